package dev.veil.session.caller;

import java.util.List;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/** An authenticated {@link Caller}, with role NODE, SERVICE or OWNER. */
final class CallerAuthentication extends AbstractAuthenticationToken {

  private final Caller caller;

  CallerAuthentication(Caller caller) {
    super(List.of(new SimpleGrantedAuthority("ROLE_" + role(caller))));
    this.caller = caller;
    setAuthenticated(true);
  }

  private static String role(Caller caller) {
    if (caller instanceof Caller.Node) {
      return "NODE";
    }
    return caller instanceof Caller.Service ? "SERVICE" : "OWNER";
  }

  @Override
  public Object getCredentials() {
    return null;
  }

  @Override
  public Object getPrincipal() {
    return caller;
  }

  @Override
  public String toString() {
    return "CallerAuthentication[" + caller.getClass().getSimpleName() + "]";
  }
}
