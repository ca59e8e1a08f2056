package dev.veil.session.caller;

import dev.veil.service.node.NodeRequestAuthenticator;
import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.server.authentication.ServerAuthenticationConverter;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Reads what a request presents: {@code Authorization: Bearer} (a trusted service), the
 * node-signature headers (a host agent), or {@code x-session-id} (a client), in that order.
 */
@Component
class CallerCredentialsConverter implements ServerAuthenticationConverter {

  static final String SESSION_HEADER = "x-session-id";

  @Override
  public Mono<Authentication> convert(ServerWebExchange exchange) {
    HttpHeaders headers = exchange.getRequest().getHeaders();
    String authorization = headers.getFirst(HttpHeaders.AUTHORIZATION);
    if (authorization != null) {
      if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
        return Mono.error(new BadCredentialsException("only Bearer service tokens are accepted in Authorization"));
      }
      return Mono.just(new PresentedCredentials(new PresentedCredentials.ServiceToken(authorization.substring(7).trim())));
    }
    if (NodeRequestAuthenticator.claimsNodeSignature(exchange)) {
      return Mono.just(new PresentedCredentials(new PresentedCredentials.NodeSigned(exchange)));
    }
    String sessionId = headers.getFirst(SESSION_HEADER);
    if (sessionId != null) {
      return Mono.just(new PresentedCredentials(new PresentedCredentials.SessionHeader(sessionId.trim())));
    }
    return Mono.empty();
  }
}
