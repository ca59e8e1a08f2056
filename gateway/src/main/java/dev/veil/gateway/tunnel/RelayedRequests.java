package dev.veil.gateway.tunnel;

import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Recognises a request another replica passed on because the tunnel it names is held here: it
 * carries this replica's relay token. Such a request was already rate-limited by the replica
 * that took it, and is never passed on again; one it admitted to an owner-only service says so
 * ({@value #OWNER_ADMITTED_HEADER}), believed only with the token. Both headers are removed from
 * every request, valid or not, so they never reach a node.
 */
public final class RelayedRequests implements WebFilter, Ordered {

  /** Exchange attribute: true on a request another replica passed on. */
  public static final String RELAYED_ATTR = RelayedRequests.class.getName() + ".relayed";
  /** Header a replica adds when it passes on a request it admitted to an owner-only service: that service's ID. */
  public static final String OWNER_ADMITTED_HEADER = "x-veil-owner-admitted";
  /** Exchange attribute: the service a relayed request was admitted to by the replica that took it. */
  public static final String OWNER_ADMITTED_ATTR = RelayedRequests.class.getName() + ".ownerAdmitted";

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
    String admitted = exchange.getRequest().getHeaders().getFirst(OWNER_ADMITTED_HEADER);
    if (token == null && admitted == null) {
      return chain.filter(exchange);
    }
    ServerWebExchange stripped = exchange.mutate()
        .request(request -> request.headers(headers -> {
          headers.remove(ReplicaIdentity.RELAY_HEADER);
          headers.remove(OWNER_ADMITTED_HEADER);
        }))
        .build();
    if (token != null && replica.isRelayToken(token)) {
      stripped.getAttributes().put(RELAYED_ATTR, true);
      if (admitted != null) {
        stripped.getAttributes().put(OWNER_ADMITTED_ATTR, admitted);
      }
    }
    return chain.filter(stripped);
  }

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE;
  }
}
