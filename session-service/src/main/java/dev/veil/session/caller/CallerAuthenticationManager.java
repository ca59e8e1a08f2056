package dev.veil.session.caller;

import dev.veil.model.auth.NodeRequestSignature;
import dev.veil.model.id.RandomIds;
import dev.veil.session.config.SessionProperties;
import dev.veil.session.session.RedisSessionStore;
import dev.veil.session.session.SessionHandles;
import java.time.Clock;
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
  private final RedisNonceStore nonces;
  private final RedisSessionStore sessions;
  private final SessionProperties properties;
  private final Clock clock;

  CallerAuthenticationManager(ServiceTokens serviceTokens, RedisNonceStore nonces, RedisSessionStore sessions,
      SessionProperties properties, Clock clock) {
    this.serviceTokens = serviceTokens;
    this.nonces = nonces;
    this.sessions = sessions;
    this.properties = properties;
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
    NodeRequestSignature signature = signed.signature();
    NodeRequestSignature.Verdict verdict = signature.verify(properties.audience(), signed.method(),
        signed.pathAndQuery(), signed.body(), clock.instant(), properties.signatureSkew());
    if (verdict != NodeRequestSignature.Verdict.VALID) {
      return Mono.error(new BadCredentialsException(switch (verdict) {
        case STALE -> "node signature timestamp is outside the allowed clock skew";
        case MALFORMED -> "node ID or signature is malformed";
        default -> "node signature does not match the request";
      }));
    }
    return nonces.claim(signature.nodeId(), signature.nonce(), properties.signatureSkew().multipliedBy(2))
        .filter(Boolean::booleanValue)
        .<Authentication>map(first -> new CallerAuthentication(new Caller.Node(signature.nodeId())))
        .switchIfEmpty(Mono.error(() -> new BadCredentialsException("node signature was already used (replay)")));
  }
}
