package dev.veil.market.caller;

import java.util.List;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.web.server.ServerWebExchange;

/** A request that claims to be node-signed (unverified), or, once verified, the {@link NodeCaller}. */
final class NodeSignedRequest extends AbstractAuthenticationToken {

  private final ServerWebExchange exchange;
  private final NodeCaller node;

  private NodeSignedRequest(ServerWebExchange exchange, NodeCaller node) {
    super(node == null ? List.of() : List.of(new SimpleGrantedAuthority("ROLE_NODE")));
    this.exchange = exchange;
    this.node = node;
    setAuthenticated(node != null);
  }

  static NodeSignedRequest unverified(ServerWebExchange exchange) {
    return new NodeSignedRequest(exchange, null);
  }

  static NodeSignedRequest verified(NodeCaller node) {
    return new NodeSignedRequest(null, node);
  }

  ServerWebExchange exchange() {
    return exchange;
  }

  @Override
  public Object getCredentials() {
    return null;
  }

  @Override
  public Object getPrincipal() {
    return node;
  }

  @Override
  public String toString() {
    return "NodeSignedRequest[" + (node == null ? "unverified" : node.nodeId()) + "]";
  }
}
