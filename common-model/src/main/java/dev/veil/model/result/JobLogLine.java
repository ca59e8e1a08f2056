package dev.veil.model.result;

/**
 * One line of a job's live log, as the host streams it to the job's owner
 * ({@code GET /job-logs/{jobId}}, one {@code log} event each).
 *
 * @param opId      the op whose container printed it
 * @param type      {@code stdout}, {@code stderr}, or {@code nodeerr} for the host's own messages
 * @param log       the text, one line (or one part of a line too long to keep whole)
 * @param timestamp epoch milliseconds
 * @param continued {@code true} when this line continues the one before it of the same op and
 *                  stream (a line longer than the host's maximum is split, never cut); absent otherwise
 */
public record JobLogLine(String opId, String type, String log, long timestamp, Boolean continued) {

  public JobLogLine {
    if (Boolean.FALSE.equals(continued)) {
      continued = null;
    }
  }

  public static JobLogLine of(String opId, LogEntry entry) {
    return new JobLogLine(opId, entry.type(), entry.log(), entry.timestamp(), entry.continued());
  }
}
