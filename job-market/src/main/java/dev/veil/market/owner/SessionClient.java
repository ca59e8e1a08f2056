package dev.veil.market.owner;

import dev.veil.market.config.MarketProperties;
import dev.veil.model.session.ValidationRequest;
import dev.veil.model.session.ValidationResponse;
import dev.veil.service.problem.ProblemException;
import dev.veil.service.web.ClientAddresses;
import dev.veil.service.web.FailedLookups;
import java.time.Duration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/**
 * Asks session-service whether a client's session may be used for a request (as the trusted
 * service "jobmarket", with its token), naming the client that presented it. If session-service
 * cannot answer, the request fails with 503: never a guess; if that client failed too many
 * look-ups, it alone gets 429.
 */
@Component
public class SessionClient {

  private final WebClient http;

  public SessionClient(WebClient.Builder builder, MarketProperties properties) {
    this.http = builder.baseUrl(properties.sessions().url())
        .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + properties.sessions().token())
        .build();
  }

  public Mono<ValidationResponse> validate(String sessionId, String jobId) {
    // The client who presented it, so its failures count against it alone.
    return ClientAddresses.current().flatMap(client -> http.post().uri("/v1/sessions/validate")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(new ValidationRequest(sessionId, jobId, client))
        .retrieve()
        .onStatus(status -> status.value() == 429, FailedLookups::slowDown)
        .bodyToMono(ValidationResponse.class)
        .timeout(Duration.ofSeconds(5))
        .onErrorMap(e -> !ProblemException.hasStatus(e, HttpStatus.TOO_MANY_REQUESTS),
            e -> ProblemException.upstreamUnavailable("sessions cannot be checked right now; nothing was accepted", Duration.ofSeconds(5))));
  }
}
