package dev.veil.agent.market;

/** The market answered something other than what the call expects. */
public final class MarketException extends RuntimeException {

  private final int status;

  /**
   * The body is deliberately left out: a problem's {@code instance} is the request path, which for
   * a route names a (possibly private) service ID, and this message can end up in an op's errors.
   */
  public MarketException(int status, String body) {
    super("market answered " + status);
    this.status = status;
  }

  public int status() {
    return status;
  }
}
