package dev.veil.testsupport.fuzz;

import java.util.Map;
import java.util.stream.Collectors;

/** What a passed run tried: how many inputs, from which seed, in how long, and how often each outcome came. */
public record FuzzReport(String name, int tries, long seed, long millis, Map<String, Integer> outcomes) {

  @Override
  public String toString() {
    return "[fuzz] " + name + ": " + tries + " tries in " + millis + " ms (seed " + seed + "); outcomes: "
        + outcomes.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "));
  }
}
