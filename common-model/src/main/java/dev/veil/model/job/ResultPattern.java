package dev.veil.model.job;

import java.util.List;
import tools.jackson.databind.annotation.JsonDeserialize;
import tools.jackson.databind.annotation.JsonSerialize;

/**
 * How one named result is taken from an op's logs: a regex string, or
 * {@code {"regex": ..., "logType": ["stdout", ...]}} to look at some log streams only.
 */
@JsonDeserialize(using = ResultPatternJson.Reader.class)
@JsonSerialize(using = ResultPatternJson.Writer.class)
public sealed interface ResultPattern {

  /** The Java regex; the value is group 1 when the regex has a group, else the whole match. */
  String regex();

  /** The log streams searched; empty means all of them. */
  List<String> logTypes();

  /** {@code "Hello (\\w+)"}. */
  record Regex(String regex) implements ResultPattern {
    @Override
    public List<String> logTypes() {
      return List.of();
    }
  }

  /** {@code {"regex": "...", "logType": ["stdout"]}}. */
  record Filtered(String regex, List<String> logTypes) implements ResultPattern {
    public Filtered {
      logTypes = logTypes == null ? null : List.copyOf(logTypes);
    }
  }
}
