package dev.veil.session.revocation;

/**
 * One event on a node's revocation feed: {@code ping} (the feed is alive, end to end through
 * Redis), {@code revoked} with a session's handle (forget it), or {@code reset} (notices may have
 * been missed: forget every session held).
 */
public record FeedEvent(String type, String handle) {

  public static final FeedEvent PING = new FeedEvent("ping", null);
  public static final FeedEvent RESET = new FeedEvent("reset", null);

  public static FeedEvent revoked(String handle) {
    return new FeedEvent("revoked", handle);
  }
}
