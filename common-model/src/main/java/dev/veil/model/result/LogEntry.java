package dev.veil.model.result;

/**
 * One line of an op's log.
 *
 * @param type      stream: {@code stdout}, {@code stderr}, or {@code nodeerr} for the host's own messages
 * @param log       the text, one line (or one part of a line too long to keep whole)
 * @param timestamp epoch milliseconds
 * @param continued {@code true} when this entry continues the line of the entry before it on the
 *                  same stream: a line longer than the host's maximum is split, never cut short;
 *                  absent otherwise
 */
public record LogEntry(String type, String log, long timestamp, Boolean continued) {

  public static final String STDOUT = "stdout";
  public static final String STDERR = "stderr";
  public static final String NODEERR = "nodeerr";

  /** A whole line. */
  public LogEntry(String type, String log, long timestamp) {
    this(type, log, timestamp, null);
  }

  public LogEntry {
    if (Boolean.FALSE.equals(continued)) {
      continued = null;
    }
  }
}
