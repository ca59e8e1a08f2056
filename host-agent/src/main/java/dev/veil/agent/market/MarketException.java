package dev.veil.agent.market;

/** The market answered something other than what the call expects. */
public final class MarketException extends RuntimeException {

  private final int status;

  public MarketException(int status, String body) {
    super("market answered " + status + (body.isBlank() ? "" : ": " + (body.length() > 300 ? body.substring(0, 300) : body)));
    this.status = status;
  }

  public int status() {
    return status;
  }
}
