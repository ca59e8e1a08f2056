package dev.veil.session.caller;

import dev.veil.model.auth.NodeRequestSignature;
import java.util.List;
import org.springframework.security.authentication.AbstractAuthenticationToken;

/** What a request presented, before it is checked. Never printed: {@link #toString} hides the secrets. */
final class PresentedCredentials extends AbstractAuthenticationToken {

  sealed interface Kind {}

  record ServiceToken(String token) implements Kind {}

  record NodeSigned(NodeRequestSignature signature, String method, String pathAndQuery, byte[] body) implements Kind {}

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
    return kind instanceof NodeSigned signed ? signed.signature().nodeId() : "(secret)";
  }

  @Override
  public String toString() {
    return "PresentedCredentials[" + kind.getClass().getSimpleName() + "]";
  }
}
