package dev.veil.gateway.access;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.veil.gateway.config.GatewayProperties;
import dev.veil.gateway.registry.RegistryTarget;
import dev.veil.model.session.SessionHandles;
import dev.veil.model.session.ValidationRequest;
import dev.veil.model.session.ValidationResponse;
import dev.veil.service.problem.ProblemException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Function;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/**
 * Whether a session is one of the owner of an owner-only service's job: asked of session-service
 * as the trusted service {@code gateway} (its token), for that job, naming the visitor, so failed
 * guesses count against that visitor at session-service's limiter. A session that is valid is kept
 * (by a SHA-256 handle of its ID and the job, never the ID) for {@code cache-ttl} or until it
 * expires, whichever is sooner, so a page's hundred requests cost one look-up; a revoked session
 * is refused within {@code cache-ttl}. Nothing but valid answers is kept.
 */
@Component
public class OwnerSessions {

  private final WebClient http;
  private final boolean configured;
  private final Duration ttl;
  private final Clock clock;
  private final AsyncCache<String, ValidationResponse> valid;

  /** {@code resources}: the gateway's event loops (io_uring or epoll, as its server's). */
  public OwnerSessions(GatewayProperties properties, MeterRegistry meters, ReactorResourceFactory resources) {
    GatewayProperties.OwnerAccess settings = properties.ownerAccess();
    this.configured = !settings.sessionToken().isBlank();
    this.http = WebClient.builder().clientConnector(new ReactorClientHttpConnector(resources, Function.identity()))
        .baseUrl(properties.sessionServiceUrl().toString())
        .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + settings.sessionToken())
        .build();
    this.ttl = settings.cacheTtl();
    this.clock = Clock.systemUTC();
    this.valid = Caffeine.newBuilder()
        .maximumSize(settings.cacheSize())
        .expireAfter(new com.github.benmanes.caffeine.cache.Expiry<String, ValidationResponse>() {
          @Override
          public long expireAfterCreate(String key, ValidationResponse value, long now) {
            long untilExpiry = Duration.ofMillis(Math.max(0, value.expiresAt() - clock.millis())).toNanos();
            return Math.min(ttl.toNanos(), untilExpiry);
          }

          @Override
          public long expireAfterUpdate(String key, ValidationResponse value, long now, long current) {
            return current;
          }

          @Override
          public long expireAfterRead(String key, ValidationResponse value, long now, long current) {
            return current;
          }
        })
        .recordStats()
        .buildAsync();
    CaffeineCacheMetrics.monitor(meters, valid, "veil.gateway.owner.sessions");
  }

  /**
   * The session's validation when it is valid for the service's job and its owner is the job's;
   * empty when not. 503 when session-service cannot answer (or this gateway has no token for it).
   */
  public Mono<ValidationResponse> ownerOf(String sessionId, RegistryTarget.OwnerOnly service, String client) {
    if (!configured) {
      return Mono.error(ProblemException.upstreamUnavailable("this gateway cannot check sessions (it has no session-service "
          + "token: veil.gateway.owner-access.session-token), so it admits no one to an owner-only service", Duration.ofMinutes(1)));
    }
    String key = SessionHandles.of(sessionId) + " " + service.jobId();
    ValidationResponse kept = valid.synchronous().getIfPresent(key);
    Mono<ValidationResponse> answer = kept != null ? Mono.just(kept) : validate(sessionId, service.jobId(), client)
        .filter(ValidationResponse::valid)
        .doOnNext(response -> {
          if (response.expiresAt() != null) {
            valid.synchronous().put(key, response);
          }
        });
    return answer.filter(response -> response.valid() && service.owner().equals(response.owner())
        && (response.jobId() == null || response.jobId().equals(service.jobId())));
  }

  private Mono<ValidationResponse> validate(String sessionId, String jobId, String client) {
    return http.post().uri("/v1/sessions/validate")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(new ValidationRequest(sessionId, jobId, client))
        .retrieve()
        .onStatus(status -> status.value() == HttpStatus.TOO_MANY_REQUESTS.value(), response -> Mono.just(
            ProblemException.rateLimited("too many failed session look-ups from this client; wait a minute", Duration.ofMinutes(1))))
        .bodyToMono(ValidationResponse.class)
        .timeout(Duration.ofSeconds(5))
        .onErrorMap(e -> !ProblemException.hasStatus(e, HttpStatus.TOO_MANY_REQUESTS),
            e -> ProblemException.upstreamUnavailable("sessions cannot be checked right now; try again", Duration.ofSeconds(5)));
  }
}
