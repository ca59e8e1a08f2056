package dev.veil.service.web;

import java.net.InetSocketAddress;
import java.util.List;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Which client presented a request: its address as the nearest trusted proxy saw it (the
 * {@code X-Forwarded-For} entry {@code trusted-proxy-hops} from the right, which the gateway
 * appends), else the connection's own. Kept in the request's Reactor context, for whoever
 * answers for that client elsewhere — a session look-up that fails counts against this client,
 * never against the service asking.
 *
 * <p>A client that reaches a service directly, past the gateway, can name any address; it can
 * only move its own failures around, never add to another client's.
 */
public final class ClientAddresses implements WebFilter {

  private static final String KEY = ClientAddresses.class.getName();
  private static final int LONGEST = 64;

  private final int trustedProxyHops;

  public ClientAddresses(int trustedProxyHops) {
    this.trustedProxyHops = trustedProxyHops;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    String address = of(exchange.getRequest());
    return chain.filter(exchange).contextWrite(context -> context.put(KEY, address));
  }

  /** The presenting client of the request being answered; {@code unknown} outside of one. */
  public static Mono<String> current() {
    return Mono.deferContextual(context -> Mono.just(context.getOrDefault(KEY, "unknown")));
  }

  String of(ServerHttpRequest request) {
    List<String> forwarded = request.getHeaders().getValuesAsList("X-Forwarded-For");
    if (trustedProxyHops > 0 && !forwarded.isEmpty()) {
      List<String> hops = forwarded.stream().flatMap(value -> java.util.Arrays.stream(value.split(",")))
          .map(String::trim).filter(hop -> !hop.isEmpty()).toList();
      if (!hops.isEmpty()) {
        return bounded(hops.get(Math.max(0, hops.size() - trustedProxyHops)));
      }
    }
    InetSocketAddress remote = request.getRemoteAddress();
    return remote == null || remote.getAddress() == null ? "unknown" : remote.getAddress().getHostAddress();
  }

  // Whatever a header says, a key of bounded size and plain characters.
  private static String bounded(String hop) {
    String plain = hop.replaceAll("[^0-9A-Za-z.:\\[\\]_-]", "");
    return plain.isEmpty() ? "unknown" : plain.substring(0, Math.min(LONGEST, plain.length()));
  }
}
