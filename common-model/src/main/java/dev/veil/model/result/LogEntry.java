package dev.veil.model.result;

/**
 * One line of an op's log.
 *
 * @param type      stream: {@code stdout}, {@code stderr}, or {@code nodeerr} for the host's own messages
 * @param log       the text, one line
 * @param timestamp epoch milliseconds
 */
public record LogEntry(String type, String log, long timestamp) {

  public static final String STDOUT = "stdout";
  public static final String STDERR = "stderr";
  public static final String NODEERR = "nodeerr";
}
