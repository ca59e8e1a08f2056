package dev.veil.session.caller;

import dev.veil.model.id.RandomIds;
import dev.veil.model.session.SessionHandles;
import dev.veil.service.node.NodeRequestAuthenticator;
import dev.veil.service.problem.ProblemException;
import dev.veil.session.session.RedisSessionStore;
import java.time.Clock;
import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/** Checks presented credentials and names the {@link Caller}. Store failures propagate (503), never "valid". */
@Component
class CallerAuthenticationManager implements ReactiveAuthenticationManager {

  private static final String SESSION_REFUSED = "the session is missing, unknown, expired or revoked";

  private final ServiceTokens serviceTokens;
  private final NodeRequestAuthenticator nodes;
  private final RedisSessionStore sessions;
  private final Clock clock;

  CallerAuthenticationManager(ServiceTokens serviceTokens, NodeRequestAuthenticator nodes, RedisSessionStore sessions,
      Clock clock) {
    this.serviceTokens = serviceTokens;
    this.nodes = nodes;
    this.sessions = sessions;
    this.clock = clock;
  }

  @Override
  public Mono<Authentication> authenticate(Authentication authentication) {
    if (!(authentication instanceof PresentedCredentials presented)) {
      return Mono.empty();
    }
    PresentedCredentials.Kind kind = presented.kind();
    if (kind instanceof PresentedCredentials.ServiceToken token) {
      return serviceTokens.serviceFor(token.token())
          .<Mono<Authentication>>map(name -> Mono.just(new CallerAuthentication(new Caller.Service(name))))
          .orElseGet(() -> Mono.error(new BadCredentialsException("unknown service token")));
    }
    if (kind instanceof PresentedCredentials.NodeSigned signed) {
      return node(signed);
    }
    String sessionId = ((PresentedCredentials.SessionHeader) kind).sessionId();
    if (!RandomIds.isWellFormed(sessionId)) {
      return Mono.error(new BadCredentialsException(SESSION_REFUSED));
    }
    return sessions.find(SessionHandles.of(sessionId))
        .filter(session -> session.expiresAt() > clock.millis())
        .<Authentication>map(session -> new CallerAuthentication(new Caller.Owner(session)))
        .switchIfEmpty(Mono.error(() -> new BadCredentialsException(SESSION_REFUSED)));
  }

  private Mono<Authentication> node(PresentedCredentials.NodeSigned signed) {
    return nodes.authenticate(signed.exchange())
        .<Authentication>map(nodeId -> new CallerAuthentication(new Caller.Node(nodeId)))
        .onErrorMap(e -> ProblemException.hasStatus(e, HttpStatus.UNAUTHORIZED), denied -> new BadCredentialsException(denied.getMessage()));
  }
}
