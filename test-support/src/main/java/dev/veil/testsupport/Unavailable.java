package dev.veil.testsupport;

import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A 502, 503 or 504 through the gateway: the service behind it could not answer now, and may or may
 * not have done what was asked (a store that answered too late, a replica killed mid-request). A
 * request that makes something is repeated on this only with its {@code Idempotency-Key}.
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

  /** Throws {@link Unavailable} when {@code response} is a 502, 503 or 504. */
  static void check(HttpResponse<?> response, String what, String body) {
    int status = response.statusCode();
    if (status == 502 || status == 503 || status == 504) {
      long seconds = response.headers().firstValue("Retry-After").map(Long::parseLong).orElse(1L);
      throw new Unavailable(what + " answered " + status + ": " + body, Duration.ofSeconds(seconds));
    }
  }
}
