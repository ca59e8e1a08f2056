package dev.veil.gateway.routing;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.PRESERVE_HOST_HEADER_ATTRIBUTE;

import dev.veil.gateway.access.OwnerOnlyAccess;
import dev.veil.gateway.registry.RegistryTarget;
import dev.veil.gateway.tunnel.ForwardGuard;
import dev.veil.gateway.tunnel.RelayedRequests;
import dev.veil.gateway.tunnel.ReplicaIdentity;
import java.net.URI;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.RouteToRequestUrlFilter;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Sends the request to the registered target: this replica's loopback listener for the tunnel, or
 * the replica that holds it; the request's own path and query. Nothing in the request (Host, an absolute URI, the path) can
 * change where it goes. Runs right after Spring Cloud Gateway has derived the route's URL, and
 * replaces it.
 */
public final class ToRegisteredTarget implements GatewayFilter, Ordered {

  public static final int ORDER = RouteToRequestUrlFilter.ROUTE_TO_URL_FILTER_ORDER + 1;

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
    RegistryTarget target = exchange.getRequiredAttribute(RegisteredName.TARGET_ATTR);
    URI request = exchange.getRequest().getURI();
    String query = request.getRawQuery();
    URI url = URI.create(target.base() + request.getRawPath() + (query == null ? "" : "?" + query));
    if (!target.isRelay()) {
      exchange.getAttributes().put(GATEWAY_REQUEST_URL_ATTR, url);
      // Sent only while the name is still routed to that listener (ForwardGuard, on the gateway's client).
      return chain.filter(exchange).contextWrite(ForwardGuard.Route.of(target)::into);
    }
    // To the replica that holds the tunnel, Host unchanged, with that replica's token.
    boolean admitted = Boolean.TRUE.equals(exchange.getAttribute(OwnerOnlyAccess.ADMITTED_ATTR));
    ServerWebExchange relayed = exchange.mutate()
        .request(r -> r.headers(headers -> {
          headers.set(ReplicaIdentity.RELAY_HEADER, target.relayToken());
          if (admitted) {
            // The replica holding the tunnel no longer sees the session: it takes this replica's word, with the token.
            headers.set(RelayedRequests.OWNER_ADMITTED_HEADER, target.id());
          }
        }))
        .build();
    relayed.getAttributes().put(GATEWAY_REQUEST_URL_ATTR, url);
    relayed.getAttributes().put(PRESERVE_HOST_HEADER_ATTRIBUTE, true);
    return chain.filter(relayed);
  }

  @Override
  public int getOrder() {
    return ORDER;
  }
}
