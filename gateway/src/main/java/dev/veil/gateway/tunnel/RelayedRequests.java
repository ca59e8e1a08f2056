package dev.veil.gateway.tunnel;

import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Recognises a request another replica passed on because the tunnel it names is held here: it
 * carries this replica's relay token. Such a request was already rate-limited by the replica
 * that took it, and is never passed on again. The header is removed from every request, valid or
 * not, so it never reaches a node.
 */
public final class RelayedRequests implements WebFilter, Ordered {

  /** Exchange attribute: true on a request another replica passed on. */
  public static final String RELAYED_ATTR = RelayedRequests.class.getName() + ".relayed";

  private final ReplicaIdentity replica;

  public RelayedRequests(ReplicaIdentity replica) {
    this.replica = replica;
  }

  public static boolean isRelayed(ServerWebExchange exchange) {
    return Boolean.TRUE.equals(exchange.getAttribute(RELAYED_ATTR));
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    String token = exchange.getRequest().getHeaders().getFirst(ReplicaIdentity.RELAY_HEADER);
    if (token == null) {
      return chain.filter(exchange);
    }
    ServerWebExchange stripped = exchange.mutate()
        .request(request -> request.headers(headers -> headers.remove(ReplicaIdentity.RELAY_HEADER)))
        .build();
    if (replica.isRelayToken(token)) {
      stripped.getAttributes().put(RELAYED_ATTR, true);
    }
    return chain.filter(stripped);
  }

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE;
  }
}
