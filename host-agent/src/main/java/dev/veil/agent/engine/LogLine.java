package dev.veil.agent.engine;

/**
 * One line a container wrote, with its stream ({@code stdout}/{@code stderr}) and the engine's
 * timestamp of it (epoch milliseconds, or {@code -1} when the engine gave none). A line longer than
 * the reader's maximum comes as several, the later ones {@code continued}.
 */
public record LogLine(String stream, String text, long timestamp, boolean continued) {

  public LogLine(String stream, String text) {
    this(stream, text, -1, false);
  }
}
