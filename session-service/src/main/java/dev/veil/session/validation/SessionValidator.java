package dev.veil.session.validation;

import dev.veil.model.id.RandomIds;
import dev.veil.model.session.SessionHandles;
import dev.veil.model.session.ValidationRequest;
import dev.veil.model.session.ValidationResponse;
import dev.veil.model.validation.Violation;
import dev.veil.service.problem.ProblemException;
import dev.veil.session.caller.Caller;
import dev.veil.session.session.RedisSessionStore;
import dev.veil.session.session.SessionMetrics;
import dev.veil.session.session.StoredSession;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Mono;

/**
 * Answers whether a session may be used for a request about a job, by this caller.
 *
 * <p>Valid means: the session exists, has not expired, and its scope admits the request — a
 * job-scoped session only for that job; a node-scoped session only when the <em>signing</em>
 * node is that node (a trusted service never satisfies a node scope). Everything else is the
 * same {@code {"valid": false}}.
 */
@Service
class SessionValidator {

  private static final java.util.regex.Pattern CLIENT = java.util.regex.Pattern.compile("[0-9A-Za-z.:\\[\\]_-]{1,64}");

  private final RedisSessionStore sessions;
  private final FailedLookupLimiter limiter;
  private final SessionMetrics metrics;
  private final Clock clock;

  SessionValidator(RedisSessionStore sessions, FailedLookupLimiter limiter, SessionMetrics metrics, Clock clock) {
    this.sessions = sessions;
    this.limiter = limiter;
    this.metrics = metrics;
    this.clock = clock;
  }

  Mono<ValidationResponse> validate(Caller caller, ValidationRequest request) {
    List<Violation> violations = new ArrayList<>();
    if (request.sessionId() == null) {
      violations.add(new Violation("/sessionId", "is required"));
    }
    if (request.jobId() != null && !RandomIds.isWellFormed(request.jobId())) {
      violations.add(new Violation("/jobId", "must be a job ID (base58, 32 bytes)"));
    }
    if (request.client() != null && !CLIENT.matcher(request.client()).matches()) {
      violations.add(new Violation("/client", "must be an address: at most 64 of 0-9 A-Z a-z . : [ ] _ -"));
    }
    if (!violations.isEmpty()) {
      return Mono.error(ProblemException.invalid(violations));
    }
    return limiter.check(caller, request.client())
        .then(RandomIds.isWellFormed(request.sessionId())
            ? find(caller, SessionHandles.of(request.sessionId()), request.jobId())
            : Mono.<StoredSession>empty())
        .filter(session -> session.expiresAt() > clock.millis())
        .filter(session -> session.jobId() == null || session.jobId().equals(request.jobId()))
        .filter(session -> session.nodeId() == null
            || (caller instanceof Caller.Node node && node.nodeId().equals(session.nodeId())))
        .map(session -> ValidationResponse.valid(session.owner(), session.expiresAt(), session.jobId(), session.nodeId()))
        .doOnNext(valid -> metrics.validated(true))
        .switchIfEmpty(Mono.defer(() -> {
          metrics.validated(false);
          return limiter.recordFailure(caller, request.client()).thenReturn(ValidationResponse.INVALID);
        }));
  }

  /** A node's look-up of a session valid for it is noted, so that the node hears if the session is revoked (it may keep it a while). */
  private Mono<StoredSession> find(Caller caller, String handle, String jobId) {
    return caller instanceof Caller.Node node
        ? sessions.findFor(handle, node.nodeId(), jobId, clock.millis())
        : sessions.find(handle);
  }
}
