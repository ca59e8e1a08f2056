package dev.veil.testsupport;

import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A 503 from a Veil service: nothing was done, and the answer says when to ask again
 * ({@code Retry-After}). A client that retries does so on this, and on nothing else.
 */
public final class Unavailable extends IllegalStateException {

  private final Duration retryAfter;

  Unavailable(String message, Duration retryAfter) {
    super(message);
    this.retryAfter = retryAfter;
  }

  /** When the service asked to be asked again (one second when it did not say). */
  public Duration retryAfter() {
    return retryAfter;
  }

  /** Throws {@link Unavailable} when {@code response} is a 503. */
  static void check(HttpResponse<?> response, String what, String body) {
    if (response.statusCode() == 503) {
      long seconds = response.headers().firstValue("Retry-After").map(Long::parseLong).orElse(1L);
      throw new Unavailable(what + " answered 503: " + body, Duration.ofSeconds(seconds));
    }
  }
}
