package dev.veil.gateway.dataplane;

import dev.veil.gateway.access.OwnerOnlyAccess;
import dev.veil.gateway.config.GatewayProperties;
import dev.veil.gateway.limits.BodyCap;
import dev.veil.gateway.limits.ClientRateLimit;
import dev.veil.gateway.observe.AccessLog;
import dev.veil.gateway.registry.RegistryCache;
import dev.veil.gateway.registry.RegistryTarget;
import dev.veil.gateway.routing.NodeApiPaths;
import dev.veil.gateway.routing.NodeDomainHost;
import dev.veil.gateway.routing.ResultReceipts;
import dev.veil.gateway.tunnel.LocalForwards;
import dev.veil.gateway.tunnel.RelayedRequests;
import dev.veil.gateway.tunnel.ReplicaIdentity;
import dev.veil.model.result.DeliveryReceipt;
import dev.veil.service.problem.ProblemException;
import dev.veil.service.problem.ProblemMapping;
import dev.veil.service.problem.ProblemWriter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.buffer.ByteBuf;
import java.net.URI;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.cors.reactive.CorsUtils;
import org.springframework.web.server.ResponseStatusException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;

/**
 * The {@code *.node} data plane's common case, served without Spring Cloud Gateway's filter chain:
 * a request to a node's agent API, or to an exposed service open to anyone. It does what the
 * {@code node} and {@code service} routes do for such a request — the per-client rate limit, the
 * API path allow-list, the body limit, hop-by-hop and forwarding headers dropped, the access log
 * line, the route timer, the response timeout (504), an unreachable forward or replica (503) — and
 * proxies with the gateway's own HTTP client and pool: to the forward's loopback port when this
 * replica holds the tunnel; else, when the registry cache already names the replica that holds it,
 * to that replica with its relay token and the client's Host, as the routes relay. A request
 * passed on here with this replica's token is served from the tunnel held here without a second
 * rate limit (the replica that took it applied it). docs/benchmarks.md has the profile that made
 * it worth it.
 *
 * <p>Everything else goes down the chain unchanged: names nothing routes (404, node offline) or
 * not cached yet (the routes look them up, once), a registry that did not answer, a relay token
 * that is not this replica's, WebSockets and other upgrades, a node's result reads (they carry
 * delivery receipts), paths outside the agent's API (the chain's 404), services open to their
 * job's owner only (and requests another replica admitted to one), a request to an open service
 * carrying a Veil session (the chain strips it), and CORS preflights (the chain answers them
 * itself).
 */
public final class NodeDataPlane implements HttpHandler {

  static final String NODE_ROUTE = "node";
  static final String SERVICE_ROUTE = "service";
  /** As Spring Cloud Gateway tags the two routes' URI (the default port added). */
  private static final String ROUTE_URI = "http://registry.invalid:80";
  private static final String TIMER = "spring.cloud.gateway.requests";
  private static final String LOOPBACK = "http://127.0.0.1:";

  private final HttpHandler chain;
  private final NodeDomainHost hosts;
  private final LocalForwards forwards;
  private final RegistryCache registry;
  private final ReplicaIdentity replica;
  private final NodeApiPaths apiPaths;
  private final GatewayProperties.Nodes limits;
  private final HttpClient client;
  private final Set<String> hopByHop;
  private final ClientRateLimit rateLimit;
  private final AccessLog accessLog;
  private final ProblemWriter problems;
  private final MeterRegistry meters;
  private final NettyDataBufferFactory buffers = new NettyDataBufferFactory(io.netty.buffer.ByteBufAllocator.DEFAULT);

  /**
   * @param chain     WebFlux and Spring Cloud Gateway: every request this does not serve
   * @param hopByHop  header names (lower case) never passed on, either way
   * @param rateLimit null when the rate limit is off
   * @param accessLog null when the access log is off
   */
  NodeDataPlane(HttpHandler chain, NodeDomainHost hosts, LocalForwards forwards, RegistryCache registry,
      ReplicaIdentity replica, GatewayProperties.Nodes limits, NodeApiPaths apiPaths, HttpClient client,
      Set<String> hopByHop, ClientRateLimit rateLimit, AccessLog accessLog, ProblemWriter problems, MeterRegistry meters) {
    this.chain = chain;
    this.hosts = hosts;
    this.forwards = forwards;
    this.registry = registry;
    this.replica = replica;
    this.apiPaths = apiPaths;
    this.limits = limits;
    this.client = client;
    this.hopByHop = Set.copyOf(hopByHop);
    this.rateLimit = rateLimit;
    this.accessLog = accessLog;
    this.problems = problems;
    this.meters = meters;
  }

  @Override
  public Mono<Void> handle(ServerHttpRequest request, ServerHttpResponse response) {
    HttpHeaders headers = request.getHeaders();
    if (headers.containsHeader(RelayedRequests.OWNER_ADMITTED_HEADER) || headers.containsHeader(HttpHeaders.UPGRADE)
        || CorsUtils.isPreFlightRequest(request)) {
      // CORS preflights too: the chain's handler mapping answers them itself, never a host.
      return chain.handle(request, response);
    }
    Optional<String> id = hosts.id(headers.getFirst(HttpHeaders.HOST));
    if (id.isEmpty()) {
      return chain.handle(request, response);
    }
    String relayToken = headers.getFirst(ReplicaIdentity.RELAY_HEADER);
    if (relayToken != null) {
      // Passed on by another replica, which rate-limited it: served from a tunnel held here or by the chain
      // (a forged token, a name no longer held here); never passed on again.
      Direct direct = replica.isRelayToken(relayToken) ? local(request, id.get(), true) : null;
      return direct == null ? chain.handle(request, response) : proxy(request, response, direct);
    }
    Direct direct = local(request, id.get(), false);
    if (direct != null) {
      return proxy(request, response, direct);
    }
    // Not held here: to the replica that holds it, if the registry cache already says which. Anything
    // else (a name not cached yet, or not found, a registry that did not answer) the routes look up
    // once and answer (404, node offline, 503), caching the name for the requests that follow.
    Direct relay = registry.peek(id.get()).filter(RegistryTarget::isRelay).map(held -> passOn(request, held)).orElse(null);
    return relay == null ? chain.handle(request, response) : proxy(request, response, relay);
  }

  /** A request for a tunnel this replica holds, if this serves it; null sends it down the chain. */
  private Direct local(ServerHttpRequest request, String id, boolean relayed) {
    Optional<LocalForwards.Forward> node = forwards.forward(RegistryTarget.Kind.NODE, id);
    if (node.isPresent()) {
      return served(request, RegistryTarget.Kind.NODE, null)
          ? direct(RegistryTarget.Kind.NODE, id, LOOPBACK + node.get().port(), null, relayed)
          : null;
    }
    Optional<LocalForwards.Forward> service = forwards.forward(RegistryTarget.Kind.SERVICE, id);
    return service.isPresent() && served(request, RegistryTarget.Kind.SERVICE, service.get().ownerOnly())
        ? direct(RegistryTarget.Kind.SERVICE, id, LOOPBACK + service.get().port(), null, relayed)
        : null;
  }

  /** A request for a tunnel another replica holds, if this passes it on; null sends it down the chain. */
  private Direct passOn(ServerHttpRequest request, RegistryTarget held) {
    return served(request, held.kind(), held.ownerOnly())
        ? direct(held.kind(), held.id(), held.base().toString(), held.relayToken(), false)
        : null;
  }

  /** A request this serves, to {@code base}, with the body cap and timeout of its kind's route. */
  private Direct direct(RegistryTarget.Kind kind, String id, String base, String relayToken, boolean relayed) {
    return kind == RegistryTarget.Kind.NODE
        ? new Direct(kind, id, base, relayToken, relayed, limits.maxApiRequestBody().toBytes(), limits.apiResponseTimeout())
        : new Direct(kind, id, base, relayToken, relayed, limits.maxRequestBody().toBytes(), limits.responseTimeout());
  }

  /**
   * Whether this serves a request to such a target: a node's API but its result reads (delivery
   * receipts), a service open to anyone unless the request carries a session (the chain strips it).
   */
  private boolean served(ServerHttpRequest request, RegistryTarget.Kind kind, RegistryTarget.OwnerOnly ownerOnly) {
    if (kind == RegistryTarget.Kind.NODE) {
      String path = request.getURI().getRawPath();
      return apiPaths.allows(path) && !ResultReceipts.isCollecting(request.getMethod(), path);
    }
    return ownerOnly == null && !OwnerOnlyAccess.carriesSession(request);
  }

  private Mono<Void> proxy(ServerHttpRequest request, ServerHttpResponse response, Direct direct) {
    long started = System.nanoTime();
    if (accessLog != null) {
      response.beforeCommit(() -> {
        accessLog.write(request, direct.kind(), direct.id(), direct.routeId(), response.getStatusCode(), started);
        return Mono.empty();
      });
    }
    Mono<Void> served;
    ProblemException refused = rateLimit == null || direct.relayed() ? null : rateLimit.refusal(request);
    if (refused != null) {
      served = Mono.error(refused);
    } else if (request.getHeaders().getContentLength() > direct.maxBody()) {
      served = Mono.error(BodyCap.tooLarge(direct.maxBody()));
    } else {
      served = forward(request, response, direct);
    }
    return served
        // A client gone is no one to answer (the chain's error handler skips it too).
        .onErrorResume(error -> !response.isCommitted() && !ProblemMapping.isClientGone(error), error -> {
          // Nothing of a host's answer (its cookies, its Content-Type) goes out with a problem.
          response.getHeaders().clear();
          return problems.write(response, error);
        })
        // Timed when answered or failed; a request its client left is not (as the chain's timer).
        .doFinally(signal -> {
          if (signal != SignalType.CANCEL) {
            record(request, response, direct, started);
          }
        });
  }

  private Mono<Void> forward(ServerHttpRequest request, ServerHttpResponse response, Direct direct) {
    Flux<ByteBuf> body = request.getBody().map(NettyDataBufferFactory::toByteBuf);
    if (request.getHeaders().getContentLength() < 0) {
      // Chunked: counted as it passes, cut off at the cap; no upstream receives more.
      body = BodyCap.counted(body, direct.maxBody(), ByteBuf::readableBytes, ByteBuf::release);
    }
    Flux<ByteBuf> sent = body;
    // The upstream connection until its body is handed on: released here if that never happens.
    AtomicReference<Connection> unclaimed = new AtomicReference<>();
    return client
        .request(io.netty.handler.codec.http.HttpMethod.valueOf(request.getMethod().name()))
        .uri(direct.base() + pathAndQuery(request.getURI()))
        .send((upstream, out) -> {
          io.netty.handler.codec.http.HttpHeaders to = upstream.requestHeaders();
          Set<String> listed = connectionTokens(request.getHeaders().get(HttpHeaders.CONNECTION));
          request.getHeaders().forEach((name, values) -> {
            if (passesOn(name, direct, listed)) {
              to.set(name, values);
            }
          });
          if (direct.relayToken() != null) {
            // To the replica that holds the tunnel: the client's Host (it routes by it) and that replica's token.
            to.set(HttpHeaders.HOST, request.getHeaders().getFirst(HttpHeaders.HOST));
            to.set(ReplicaIdentity.RELAY_HEADER, direct.relayToken());
          }
          return out.send(sent);
        })
        // The timeout bounds the wait for the response's headers (from the request's start, its
        // upload included), as the chain's does; a body may then take its time (a live log's stream).
        .responseConnection((upstream, connection) -> {
          unclaimed.set(connection);
          return Mono.just(new Answer(upstream, connection));
        })
        .next()
        .timeout(direct.timeout(), Mono.error(() -> new ResponseStatusException(HttpStatus.GATEWAY_TIMEOUT,
            "no response headers within " + direct.timeout())))
        .flatMap(answer -> {
          int status = answer.upstream().status().code();
          if (status < 100 || status > 999) {
            return Mono.error(ProblemException.badUpstreamAnswer("the upstream answered with status " + status));
          }
          response.setStatusCode(HttpStatusCode.valueOf(status));
          HttpHeaders to = response.getHeaders();
          io.netty.handler.codec.http.HttpHeaders from = answer.upstream().responseHeaders();
          Set<String> listed = connectionTokens(from.getAll(HttpHeaders.CONNECTION));
          from.forEach(header -> {
            String lower = header.getKey().toLowerCase(Locale.ROOT);
            if (!hopByHop.contains(lower) && !listed.contains(lower) && !DeliveryReceipt.TOKEN_HEADER.equals(lower)) {
              to.add(header.getKey(), header.getValue());
            }
          });
          return response.writeWith(answer.connection().inbound().receive().retain().map(buffers::wrap)
              .doOnSubscribe(subscription -> unclaimed.set(null)));
        })
        .doFinally(signal -> {
          // Answered but its body never read (an error or a timeout in between): not left checked out of the pool.
          Connection left = unclaimed.getAndSet(null);
          if (left != null) {
            left.dispose();
          }
        });
  }

  private record Answer(HttpClientResponse upstream, Connection connection) {}

  private boolean passesOn(String name, Direct direct, Set<String> listed) {
    String lower = name.toLowerCase(Locale.ROOT);
    // Host: the forward's own (the client sets it from the URI), as the chain sends it.
    // Forwarding headers: dropped as the chain drops them when no trusted proxies are set.
    return !hopByHop.contains(lower) && !listed.contains(lower) && !lower.equals("host") && !lower.equals("forwarded")
        && !lower.startsWith("x-forwarded-") && !lower.equals(ReplicaIdentity.RELAY_HEADER)
        && !(direct.kind() == RegistryTarget.Kind.NODE && lower.equals(DeliveryReceipt.REQUEST_HEADER));
  }

  /** Headers a {@code Connection} header names: hop-by-hop too (RFC 9110 7.6.1), never passed on. */
  private static Set<String> connectionTokens(List<String> connection) {
    if (connection == null || connection.isEmpty()) {
      return Set.of();
    }
    Set<String> tokens = new HashSet<>();
    for (String value : connection) {
      for (String token : value.split(",")) {
        tokens.add(token.trim().toLowerCase(Locale.ROOT));
      }
    }
    return tokens;
  }

  private static String pathAndQuery(URI uri) {
    String query = uri.getRawQuery();
    return uri.getRawPath() + (query == null ? "" : "?" + query);
  }

  /** Spring Cloud Gateway's route timer, with its tags as it makes them: the node and service routes' numbers stay whole. */
  private void record(ServerHttpRequest request, ServerHttpResponse response, Direct direct, long started) {
    HttpStatusCode code = response.getStatusCode();
    HttpStatus known = code == null ? null : HttpStatus.resolve(code.value());
    Timer.builder(TIMER)
        .tag("routeId", direct.routeId())
        .tag("routeUri", ROUTE_URI)
        .tag("outcome", known == null ? "CUSTOM" : known.series().name())
        .tag("status", known == null ? "CUSTOM" : known.name())
        .tag("httpStatusCode", code == null ? "NA" : Integer.toString(code.value()))
        .tag("httpMethod", request.getMethod().name())
        .register(meters)
        .record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
  }

  /**
   * A request this serves, with its route's limits.
   *
   * @param base       {@code http://127.0.0.1:<port>}, this replica's listener for the tunnel's
   *                   forward; or the URL of the replica that holds the tunnel
   * @param relayToken that replica's token when the request is passed on to it; else null
   * @param relayed    passed on here by another replica (already rate-limited there)
   */
  record Direct(RegistryTarget.Kind kind, String id, String base, String relayToken, boolean relayed, long maxBody,
      Duration timeout) {

    @Override
    public String toString() {
      // Never print the token.
      return "Direct[" + kind + ", relay=" + (relayToken != null) + ", relayed=" + relayed + "]";
    }

    String routeId() {
      return kind == RegistryTarget.Kind.NODE ? NODE_ROUTE : SERVICE_ROUTE;
    }
  }
}
