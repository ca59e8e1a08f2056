package dev.veil.service.problem;

import java.time.Duration;

/** A dependency cannot be reached (503); nothing was accepted. */
public final class UnavailableException extends RuntimeException {

  private final Duration retryAfter;

  public UnavailableException(String message, Duration retryAfter) {
    super(message);
    this.retryAfter = retryAfter;
  }

  public Duration retryAfter() {
    return retryAfter;
  }
}
