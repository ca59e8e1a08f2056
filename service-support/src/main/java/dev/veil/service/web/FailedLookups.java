package dev.veil.service.web;

import dev.veil.service.problem.ProblemException;
import java.time.Duration;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.client.ClientResponse;
import reactor.core.publisher.Mono;

/**
 * session-service answered 429 to a look-up: the client that presented the session failed too
 * many look-ups (they are counted per client, {@link ClientAddresses}). That client, and it
 * alone, is told to slow down, for as long as session-service says — a 429 of its own, never a
 * 503 for everyone.
 */
public final class FailedLookups {

  private FailedLookups() {
  }

  /** For WebClient's {@code onStatus(status -> status.value() == 429, FailedLookups::slowDown)}. */
  public static Mono<Throwable> slowDown(ClientResponse response) {
    long seconds;
    try {
      seconds = Long.parseLong(response.headers().asHttpHeaders().getFirst(HttpHeaders.RETRY_AFTER));
    } catch (NumberFormatException e) {
      seconds = 60;
    }
    Duration retryAfter = Duration.ofSeconds(Math.max(1, seconds));
    return response.releaseBody().then(Mono.error(
        ProblemException.rateLimited("too many failed session look-ups from this client; slow down", retryAfter)));
  }
}
