package dev.veil.gateway.observe;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

import dev.veil.gateway.registry.RegistryTarget;
import dev.veil.gateway.routing.NodeDomainHost;
import dev.veil.gateway.routing.RegisteredName;
import java.net.InetSocketAddress;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * One line per request on the {@code veil.gateway.access} logger, written when the response
 * starts: method, host, path, route, status and time to first byte. It never holds a secret:
 * no headers (so no session IDs), no query strings, and under the node domain only a registered
 * node's ID is shown; any other name (a private service ID, a guess) and a service's paths are
 * redacted.
 */
public final class AccessLog implements WebFilter, Ordered {

  private static final Logger log = LoggerFactory.getLogger("veil.gateway.access");
  private static final Pattern PLAIN_HOST = Pattern.compile("[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?");

  private final NodeDomainHost hosts;
  private final String nodeDomain;

  public AccessLog(NodeDomainHost hosts, String nodeDomain) {
    this.hosts = hosts;
    this.nodeDomain = nodeDomain;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    if (!log.isInfoEnabled()) {
      return chain.filter(exchange);
    }
    long started = System.nanoTime();
    exchange.getResponse().beforeCommit(() -> Mono.fromRunnable(() -> write(exchange, started)));
    return chain.filter(exchange);
  }

  private void write(ServerWebExchange exchange, long started) {
    Route route = exchange.getAttribute(GATEWAY_ROUTE_ATTR);
    RegistryTarget target = exchange.getAttribute(RegisteredName.TARGET_ATTR);
    write(exchange.getRequest(), target == null ? null : target.kind(), target == null ? null : target.id(),
        route == null ? null : route.getId(), exchange.getResponse().getStatusCode(), started);
  }

  /**
   * The line for a request answered outside the filter chain, written as its response starts:
   * {@code kind} and {@code id} name what it was routed to (both null when it was not),
   * {@code started} is from {@link System#nanoTime()}.
   */
  public void write(ServerHttpRequest request, RegistryTarget.Kind kind, String id, String routeId, HttpStatusCode status,
      long started) {
    if (log.isInfoEnabled()) {
      write(request.getMethod().name(), request.getHeaders().getFirst(HttpHeaders.HOST), request.getURI().getRawPath(),
          request.getRemoteAddress(), kind, id, routeId, status == null ? 200 : status.value(), started);
    }
  }

  /**
   * The same line from a request's parts, for one served on the server's own request and response
   * ({@code NodeDataPlane}): {@code rawPath} without its query.
   */
  public void write(String method, String hostHeader, String rawPath, InetSocketAddress client, RegistryTarget.Kind kind,
      String id, String routeId, int status, long started) {
    if (!log.isInfoEnabled()) {
      return;
    }
    String host;
    String path = rawPath;
    if (hostHeader == null || !PLAIN_HOST.matcher(hostHeader).matches()) {
      // Not a name we route by (user info, odd characters): never echo it, it may hold anything.
      host = "<unparsed>";
    } else if (!hosts.isUnderDomain(hostHeader)) {
      host = hostHeader;
    } else if (kind == RegistryTarget.Kind.NODE) {
      host = id + "." + nodeDomain;
    } else {
      host = "<redacted>." + nodeDomain;
      path = kind == null ? path : "<redacted>";
    }
    log.info("{} {} {} route={} status={} ms={} client={}", method, host, path,
        routeId == null ? "-" : routeId, status, (System.nanoTime() - started) / 1_000_000,
        client == null || client.getAddress() == null ? "-" : client.getAddress().getHostAddress());
  }

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE;
  }
}
