package dev.veil.service.problem;

import java.time.Duration;

/** Too many failed look-ups from one caller. */
public final class RateLimitedException extends RuntimeException {

  private final Duration retryAfter;

  public RateLimitedException(Duration retryAfter) {
    super("too many failed session look-ups; slow down");
    this.retryAfter = retryAfter;
  }

  public Duration retryAfter() {
    return retryAfter;
  }
}
