package dev.veil.gateway.limits;

import dev.veil.gateway.tunnel.RelayedRequests;
import dev.veil.service.problem.ProblemException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;

/**
 * One token bucket per client address across every route, in this replica's memory
 * ({@link ClientBuckets}): no call to Redis per request. Over the limit: 429 problem with
 * {@code Retry-After}, and nothing is forwarded. Counted: {@code veil.gateway.rate-limited}
 * (requests refused), {@code veil.gateway.rate-limit.clients} (buckets kept).
 */
public final class ClientRateLimit implements GlobalFilter, Ordered {

  private final ClientBuckets buckets;
  private final ClientAddresses clients;
  private final Counter refused;

  public ClientRateLimit(ClientBuckets buckets, ClientAddresses clients, MeterRegistry meters) {
    this.buckets = buckets;
    this.clients = clients;
    this.refused = Counter.builder("veil.gateway.rate-limited")
        .description("requests refused by the per-client rate limit").register(meters);
    Gauge.builder("veil.gateway.rate-limit.clients", buckets, ClientBuckets::clients)
        .description("clients with a token bucket on this replica").register(meters);
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
    if (RelayedRequests.isRelayed(exchange)) {
      // Counted against its client by the replica that took it; here its address is that replica's.
      return chain.filter(exchange);
    }
    ProblemException refusal = refusal(exchange.getRequest());
    return refusal == null ? chain.filter(exchange) : Mono.error(refusal);
  }

  /** Takes a token for the request's client: null if it may go on, else the 429 to answer with. */
  public ProblemException refusal(ServerHttpRequest request) {
    return refusal(clients.of(request));
  }

  /** The same, for a request on the server's own connection (no WebFlux adapter). */
  public ProblemException refusal(HttpServerRequest request) {
    return refusal(clients.of(request));
  }

  private ProblemException refusal(String client) {
    ClientBuckets.Decision decision = buckets.take(client);
    if (decision.allowed()) {
      return null;
    }
    refused.increment();
    return ProblemException.rateLimited("too many requests from this client; slow down",
        Duration.ofSeconds(decision.retryAfterSeconds()));
  }

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE + 10;
  }
}
