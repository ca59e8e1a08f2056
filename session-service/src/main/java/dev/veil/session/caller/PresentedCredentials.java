package dev.veil.session.caller;

import java.util.List;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.security.authentication.AbstractAuthenticationToken;

/** What a request presented, before it is checked. Never printed: {@link #toString} hides the secrets. */
final class PresentedCredentials extends AbstractAuthenticationToken {

  sealed interface Kind {}

  record ServiceToken(String token) implements Kind {}

  /** The whole exchange: the signature covers method, path, query and body. */
  record NodeSigned(ServerWebExchange exchange) implements Kind {}

  record SessionHeader(String sessionId) implements Kind {}

  private final Kind kind;

  PresentedCredentials(Kind kind) {
    super(List.of());
    this.kind = kind;
  }

  Kind kind() {
    return kind;
  }

  @Override
  public Object getCredentials() {
    return kind;
  }

  @Override
  public Object getPrincipal() {
    return "(unverified)";
  }

  @Override
  public String toString() {
    return "PresentedCredentials[" + kind.getClass().getSimpleName() + "]";
  }
}
