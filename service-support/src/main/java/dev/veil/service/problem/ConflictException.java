package dev.veil.service.problem;

import java.time.Duration;

/** The right request at the wrong moment (409); {@code retryAfter}, when set, becomes {@code Retry-After}. */
public final class ConflictException extends RuntimeException {

  private final Duration retryAfter;

  public ConflictException(String message) {
    this(message, null);
  }

  public ConflictException(String message, Duration retryAfter) {
    super(message);
    this.retryAfter = retryAfter;
  }

  public Duration retryAfter() {
    return retryAfter;
  }
}
