package dev.veil.market.owner;

import dev.veil.market.config.MarketProperties;
import dev.veil.model.session.ValidationRequest;
import dev.veil.model.session.ValidationResponse;
import dev.veil.service.problem.ProblemException;
import java.time.Duration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/**
 * Asks session-service whether a client's session may be used for a request (as the trusted
 * service "jobmarket", with its token). If session-service cannot answer, the request fails with
 * 503: never a guess.
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
    return http.post().uri("/v1/sessions/validate")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(new ValidationRequest(sessionId, jobId))
        .retrieve()
        .bodyToMono(ValidationResponse.class)
        .timeout(Duration.ofSeconds(5))
        .onErrorMap(e -> ProblemException.unavailable("sessions cannot be checked right now; nothing was accepted",
            Duration.ofSeconds(5)));
  }
}
