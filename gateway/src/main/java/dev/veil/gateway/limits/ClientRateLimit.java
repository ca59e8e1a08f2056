package dev.veil.gateway.limits;

import dev.veil.gateway.config.GatewayProperties;
import dev.veil.gateway.tunnel.RelayedRequests;
import dev.veil.service.problem.ProblemException;
import java.time.Duration;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.ratelimit.RateLimiter;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * One token bucket per client address across every route, kept in Redis by Spring Cloud
 * Gateway's {@code RedisRateLimiter}, so all gateway replicas share it. Over the limit: 429
 * problem with {@code Retry-After}, and nothing is forwarded. If Redis cannot answer, the limiter
 * lets the request through (its own choice; routing fails closed on its own when Redis is gone).
 */
public final class ClientRateLimit implements GlobalFilter, Ordered {

  /** The bucket's name in the limiter: one for all routes. */
  static final String BUCKET = "veil-clients";

  private final RateLimiter<?> limiter;
  private final ClientAddresses clients;

  public ClientRateLimit(RateLimiter<?> limiter, GatewayProperties.RateLimit settings) {
    this.limiter = limiter;
    this.clients = new ClientAddresses(settings);
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
    if (RelayedRequests.isRelayed(exchange)) {
      // Counted against its client by the replica that took it; here its address is that replica's.
      return chain.filter(exchange);
    }
    String key = clients.of(exchange);
    return limiter.isAllowed(BUCKET, key).flatMap(decision -> {
      exchange.getResponse().getHeaders().setAll(decision.getHeaders());
      return decision.isAllowed() ? chain.filter(exchange) : Mono.error(
          ProblemException.rateLimited("too many requests from this client; slow down", Duration.ofSeconds(1)));
    });
  }

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE + 10;
  }
}
