package dev.veil.testsupport.fuzz;

import java.util.concurrent.ThreadLocalRandom;

/**
 * How many inputs a fuzz run tries and from which seed: {@code -Dveil.fuzz.tries=N} (else the
 * test's default) and {@code -Dveil.fuzz.seed=S} (else a new random seed, reported by the run).
 */
public record FuzzSettings(int tries, long seed) {

  public static final String TRIES = "veil.fuzz.tries";
  public static final String SEED = "veil.fuzz.seed";

  public FuzzSettings {
    if (tries < 1) {
      throw new IllegalArgumentException(TRIES + " must be at least 1, not " + tries);
    }
  }

  /** The settings from the system properties, {@code defaultTries} unless {@value #TRIES} is set. */
  public static FuzzSettings fromSystemProperties(int defaultTries) {
    String tries = System.getProperty(TRIES, "").trim();
    String seed = System.getProperty(SEED, "").trim();
    return new FuzzSettings(tries.isEmpty() ? defaultTries : Integer.parseInt(tries),
        seed.isEmpty() ? ThreadLocalRandom.current().nextLong() : Long.parseLong(seed));
  }
}
