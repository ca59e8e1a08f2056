package dev.veil.agent.run;

import dev.veil.model.job.ResultPattern;
import dev.veil.model.result.LogEntry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An op's named results, taken from its logs: for each name, every match of its regex in the log
 * lines of the chosen streams (all when none are chosen), in order; a match's value is its first
 * group when the regex has one, else the whole match.
 */
final class ResultPatterns {

  private ResultPatterns() {}

  static Map<String, List<String>> extract(Map<String, ResultPattern> patterns, OpLog log) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (patterns == null || patterns.isEmpty()) {
      return out;
    }
    Map<String, Pattern> compiled = new LinkedHashMap<>();
    patterns.forEach((name, pattern) -> {
      compiled.put(name, Pattern.compile(pattern.regex()));
      out.put(name, new ArrayList<>());
    });
    log.forEach(entry -> compiled.forEach((name, regex) -> {
      List<String> streams = patterns.get(name).logTypes();
      if (streams != null && !streams.isEmpty() && !streams.contains(entry.type())) {
        return;
      }
      Matcher m = regex.matcher(entry.log());
      while (m.find()) {
        out.get(name).add(m.groupCount() >= 1 && m.group(1) != null ? m.group(1) : m.group());
      }
    }));
    return out;
  }

}
