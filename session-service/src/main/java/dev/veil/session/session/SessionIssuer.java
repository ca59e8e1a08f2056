package dev.veil.session.session;

import dev.veil.model.auth.Ed25519;
import dev.veil.model.auth.LoginChallenge;
import dev.veil.model.id.Base58;
import dev.veil.model.id.RandomIds;
import dev.veil.model.session.SessionHandles;
import dev.veil.model.session.SessionRequest;
import dev.veil.model.session.SessionResponse;
import dev.veil.model.validation.Violation;
import dev.veil.service.problem.ProblemException;
import dev.veil.session.challenge.RedisChallengeStore;
import dev.veil.session.config.SessionProperties;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Mono;

/** Trades a signed challenge for a session. */
@Service
public class SessionIssuer {

  /** One answer for every failed login, so failures teach nothing. */
  static final String DENIED = "the challenge is unknown, used or expired, or the signature does not match";

  private final RedisChallengeStore challenges;
  private final RedisSessionStore sessions;
  private final SessionProperties properties;
  private final SessionMetrics metrics;
  private final Clock clock;

  public SessionIssuer(RedisChallengeStore challenges, RedisSessionStore sessions, SessionProperties properties,
      SessionMetrics metrics, Clock clock) {
    this.challenges = challenges;
    this.sessions = sessions;
    this.properties = properties;
    this.metrics = metrics;
    this.clock = clock;
  }

  public Mono<SessionResponse> issue(SessionRequest request) {
    List<Violation> violations = check(request);
    if (!violations.isEmpty()) {
      return Mono.error(ProblemException.invalid(violations));
    }
    PublicKey key = Ed25519.publicKey(request.publicKey()).orElseThrow();
    byte[] signature = Base58.decode(request.signature(), Ed25519.SIGNATURE_BYTES).orElseThrow();
    Duration ttl = request.ttlSeconds() == null ? properties.defaultTtl() : Duration.ofSeconds(request.ttlSeconds());
    // Consumed before the signature is checked: a challenge is spent by any attempt, right or wrong.
    return challenges.consume(request.challenge())
        .filter(issued -> issued.publicKey().equals(request.publicKey()))
        .filter(issued -> issued.expiresAt() > clock.millis())
        .filter(issued -> Ed25519.verify(key, LoginChallenge.message(request.publicKey(), request.challenge(),
            request.jobId(), request.nodeId(), request.ttlSeconds()), signature))
        .switchIfEmpty(Mono.error(() -> ProblemException.denied(DENIED)))
        .flatMap(issued -> {
          String sessionId = RandomIds.next();
          long now = clock.millis();
          StoredSession session = new StoredSession(SessionHandles.of(sessionId), request.publicKey(),
              request.jobId(), request.nodeId(), now, now + ttl.toMillis());
          return sessions.create(session, properties.maxTtl(), properties.maxSessionsPerKey())
              .filter(Boolean::booleanValue)
              .switchIfEmpty(Mono.error(() -> ProblemException.rateLimited("this key holds " + properties.maxSessionsPerKey()
                  + " live sessions, the most it may: revoke some (DELETE /v1/sessions) or let them expire", Duration.ofMinutes(1))))
              .doOnSuccess(done -> metrics.issued())
              .thenReturn(new SessionResponse(sessionId, session.owner(), session.expiresAt(), session.jobId(), session.nodeId()));
        });
  }

  private List<Violation> check(SessionRequest r) {
    List<Violation> out = new ArrayList<>();
    if (r.publicKey() == null || Ed25519.publicKey(r.publicKey()).isEmpty()) {
      out.add(new Violation("/publicKey", "must be a base58 Ed25519 public key (32 bytes)"));
    }
    if (r.challenge() == null || !RandomIds.isWellFormed(r.challenge())) {
      out.add(new Violation("/challenge", "must be a challenge from POST /v1/challenges"));
    }
    if (r.signature() == null || Base58.decode(r.signature(), Ed25519.SIGNATURE_BYTES).isEmpty()) {
      out.add(new Violation("/signature", "must be a base58 Ed25519 signature (64 bytes)"));
    }
    if (r.jobId() != null && !RandomIds.isWellFormed(r.jobId())) {
      out.add(new Violation("/jobId", "must be a job ID (base58, 32 bytes)"));
    }
    if (r.nodeId() != null && Ed25519.publicKey(r.nodeId()).isEmpty()) {
      out.add(new Violation("/nodeId", "must be a node ID (base58 Ed25519 public key)"));
    }
    if (r.ttlSeconds() != null && (r.ttlSeconds() < 1 || r.ttlSeconds() > properties.maxTtl().toSeconds())) {
      out.add(new Violation("/ttlSeconds", "must be between 1 and " + properties.maxTtl().toSeconds()));
    }
    return out;
  }
}
