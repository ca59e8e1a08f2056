package dev.veil.agent.run;

import dev.veil.model.job.ResultPattern;
import java.time.Duration;
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
 *
 * <p>Bounded whatever the job prints or the definition asks: at most {@link #MAX_MATCHES} values
 * per name, each at most {@link #MAX_VALUE} characters, and all patterns of an op together get
 * {@link #TIME_LIMIT} (a pathological regex backtracking over a long line stops there). What was
 * left out is said in the op's errors, never silently.
 */
final class ResultPatterns {

  static final int MAX_MATCHES = 1000;
  static final int MAX_VALUE = 4096;
  static final Duration TIME_LIMIT = Duration.ofSeconds(2);

  /** The values found, and what limits cut short, in words. */
  record Extraction(Map<String, List<String>> results, List<String> errors) {}

  private ResultPatterns() {}

  static Extraction extract(Map<String, ResultPattern> patterns, OpLog log) {
    return extract(patterns, log, TIME_LIMIT);
  }

  static Extraction extract(Map<String, ResultPattern> patterns, OpLog log, Duration timeLimit) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    List<String> errors = new ArrayList<>();
    if (patterns == null || patterns.isEmpty()) {
      return new Extraction(out, errors);
    }
    Map<String, Pattern> compiled = new LinkedHashMap<>();
    patterns.forEach((name, pattern) -> {
      compiled.put(name, Pattern.compile(pattern.regex()));
      out.put(name, new ArrayList<>());
    });
    Map<String, Boolean> full = new LinkedHashMap<>();
    Map<String, Boolean> longValues = new LinkedHashMap<>();
    long deadline = System.nanoTime() + timeLimit.toNanos();
    boolean[] outOfTime = {false};
    log.forEach(entry -> compiled.forEach((name, regex) -> {
      List<String> streams = patterns.get(name).logTypes();
      if (outOfTime[0] || full.containsKey(name)
          || (streams != null && !streams.isEmpty() && !streams.contains(entry.type()))) {
        return;
      }
      Matcher m = regex.matcher(new Deadline(entry.log(), deadline));
      try {
        while (m.find()) {
          List<String> values = out.get(name);
          if (values.size() == MAX_MATCHES) {
            full.put(name, true);
            return;
          }
          String value = m.groupCount() >= 1 && m.group(1) != null ? m.group(1) : m.group();
          if (value.length() > MAX_VALUE) {
            longValues.put(name, true);
            value = value.substring(0, MAX_VALUE);
          }
          values.add(value);
        }
      } catch (Deadline.Passed passed) {
        outOfTime[0] = true;
      }
    }));
    full.keySet().forEach(name -> errors.add("result '" + name + "': only the first " + MAX_MATCHES + " matches are kept"));
    longValues.keySet().forEach(name -> errors.add("result '" + name + "': values longer than " + MAX_VALUE
        + " characters were cut to that length"));
    if (outOfTime[0]) {
      errors.add("result patterns were stopped after " + timeLimit.toMillis() + " ms; the results are incomplete");
    }
    return new Extraction(out, errors);
  }

  /**
   * A line that stops a regex once the time is up: every step of the matcher reads a character,
   * and every 1,024th read looks at the clock.
   */
  private static final class Deadline implements CharSequence {

    static final class Passed extends RuntimeException {
      Passed() {
        super(null, null, false, false);
      }
    }

    private final CharSequence text;
    private final long deadlineNanos;
    private int reads;

    Deadline(CharSequence text, long deadlineNanos) {
      this.text = text;
      this.deadlineNanos = deadlineNanos;
    }

    @Override
    public char charAt(int index) {
      if ((++reads & 1023) == 0 && System.nanoTime() > deadlineNanos) {
        throw new Passed();
      }
      return text.charAt(index);
    }

    @Override
    public int length() {
      return text.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return new Deadline(text.subSequence(start, end), deadlineNanos);
    }

    @Override
    public String toString() {
      return text.toString();
    }
  }
}
