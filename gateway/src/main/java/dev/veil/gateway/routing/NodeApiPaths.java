package dev.veil.gateway.routing;

import dev.veil.service.problem.ProblemException;
import java.util.List;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Lets only the agent's API paths (prefixes, {@code veil.gateway.nodes.api-paths}) through to a
 * node; anything else, its actuator included, is a 404 here. A raw path with a dot segment or an
 * escape is refused rather than normalised, so no prefix can be walked out of.
 */
public final class NodeApiPaths implements GatewayFilter {

  private final List<String> prefixes;

  public NodeApiPaths(List<String> prefixes) {
    this.prefixes = List.copyOf(prefixes);
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
    return allows(exchange.getRequest().getURI().getRawPath()) ? chain.filter(exchange)
        : Mono.error(ProblemException.notFound("not found"));
  }

  /** Whether {@code rawPath} is one of the agent's API paths. */
  public boolean allows(String rawPath) {
    return hasPrefix(rawPath) && !rawPath.contains("/../") && !rawPath.contains("%");
  }

  private boolean hasPrefix(String rawPath) {
    // A loop, not a stream: asked on every request to a node.
    for (String prefix : prefixes) {
      if (rawPath.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }
}
