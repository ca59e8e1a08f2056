package dev.veil.session.session;

import dev.veil.model.session.SessionRequest;
import dev.veil.model.session.SessionResponse;
import dev.veil.model.session.SessionSummary;
import dev.veil.service.problem.ProblemException;
import dev.veil.session.caller.Caller;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.time.Clock;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Login, listing and revocation. Listing and revoking take {@code x-session-id}; a session
 * scoped to a job or node may only revoke itself, so a host that holds one cannot touch the
 * owner's other sessions.
 */
@RestController
@Tag(name = "sessions")
class SessionController {

  private final SessionIssuer issuer;
  private final RedisSessionStore sessions;
  private final SessionMetrics metrics;
  private final Clock clock;

  SessionController(SessionIssuer issuer, RedisSessionStore sessions, SessionMetrics metrics, Clock clock) {
    this.issuer = issuer;
    this.sessions = sessions;
    this.metrics = metrics;
    this.clock = clock;
  }

  /** Trades a signed challenge for a session, optionally scoped to a job and/or a node. */
  @PostMapping(path = "/v1/sessions", produces = MediaType.APPLICATION_JSON_VALUE)
  @ResponseStatus(HttpStatus.CREATED)
  @Operation(summary = "Trade a signed challenge for a session")
  Mono<SessionResponse> create(@RequestBody SessionRequest request) {
    return issuer.issue(request);
  }

  /** The caller's owner's live sessions, by handle. Needs an unscoped session. */
  @GetMapping("/v1/sessions")
  @Operation(summary = "List the owner's live sessions (handles only)")
  Flux<SessionSummary> list(@AuthenticationPrincipal Caller.Owner owner) {
    return requireUnscoped(owner).thenMany(sessions.findByOwner(owner.owner(), clock.millis()))
        .map(s -> new SessionSummary(s.handle(), s.createdAt(), s.expiresAt(), s.jobId(), s.nodeId(),
            s.handle().equals(owner.session().handle())));
  }

  /** Revokes the session presented in {@code x-session-id}. Any session may revoke itself. */
  @DeleteMapping("/v1/sessions/current")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  @Operation(summary = "Revoke the presented session")
  Mono<Void> revokeCurrent(@AuthenticationPrincipal Caller.Owner owner) {
    return sessions.revoke(owner.owner(), owner.session().handle()).doOnNext(done -> metrics.revoked(1)).then();
  }

  /** Revokes one of the owner's sessions by handle. Needs an unscoped session. */
  @DeleteMapping("/v1/sessions/{handle}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  @Operation(summary = "Revoke one of the owner's sessions by handle")
  Mono<Void> revoke(@AuthenticationPrincipal Caller.Owner owner, @PathVariable String handle) {
    return requireUnscoped(owner)
        .then(sessions.revoke(owner.owner(), handle))
        .filter(Boolean::booleanValue)
        .switchIfEmpty(Mono.error(() -> ProblemException.notFound("no such session of yours")))
        .doOnNext(done -> metrics.revoked(1))
        .then();
  }

  /** Revokes every session of the owner, the presented one included. Needs an unscoped session. */
  @DeleteMapping("/v1/sessions")
  @Operation(summary = "Revoke all of the owner's sessions")
  Mono<Map<String, Long>> revokeAll(@AuthenticationPrincipal Caller.Owner owner) {
    return requireUnscoped(owner)
        .then(sessions.revokeAll(owner.owner()))
        .doOnNext(metrics::revoked)
        .map(count -> Map.of("revoked", count));
  }

  private static Mono<Void> requireUnscoped(Caller.Owner owner) {
    return owner.session().isScoped()
        ? Mono.error(ProblemException.forbidden("a session scoped to a job or node can only revoke itself"))
        : Mono.empty();
  }
}
