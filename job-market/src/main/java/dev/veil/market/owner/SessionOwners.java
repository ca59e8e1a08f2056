package dev.veil.market.owner;

import dev.veil.service.problem.ProblemException;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/** Who owns the session in {@code x-session-id}, for a request about a job (or about none). */
@Component
public class SessionOwners {

  public static final String HEADER = "x-session-id";

  private final SessionClient sessions;

  public SessionOwners(SessionClient sessions) {
    this.sessions = sessions;
  }

  /** The owner, or 401 when the session is missing, unknown, expired, revoked or out of scope. */
  public Mono<String> ownerOf(String sessionId, String jobId) {
    if (sessionId == null || sessionId.isBlank()) {
      return Mono.error(ProblemException.denied("x-session-id is required"));
    }
    return sessions.validate(sessionId.trim(), jobId)
        .filter(answer -> answer.valid() && answer.owner() != null)
        .map(answer -> answer.owner())
        .switchIfEmpty(Mono.error(() -> ProblemException.denied("the session is missing, unknown, expired, revoked or not for this job")));
  }
}
