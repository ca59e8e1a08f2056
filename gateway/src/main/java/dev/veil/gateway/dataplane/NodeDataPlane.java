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
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
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
  private static final String FORWARDED_PREFIX = "x-forwarded-";
  private static final Set<HttpMethod> STANDARD_METHODS = Set.of(HttpMethod.values());

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
  /** The route timers of the standard methods, by route, status and method: built once, not per request. */
  private final Map<TimerKey, Timer> timers = new ConcurrentHashMap<>();

  /**
   * @param chain     WebFlux and Spring Cloud Gateway: every request this does not serve
   * @param hopByHop  header names never passed on, either way (in any case)
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
    this.hopByHop = ignoringCase(hopByHop);
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
            String name = header.getKey();
            if (!hopByHop.contains(name) && !listed.contains(name) && !DeliveryReceipt.TOKEN_HEADER.equalsIgnoreCase(name)) {
              to.add(name, header.getValue());
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
    // Host: the forward's own (the client sets it from the URI), as the chain sends it.
    // Forwarding headers: dropped as the chain drops them when no trusted proxies are set.
    return !hopByHop.contains(name) && !listed.contains(name) && !name.equalsIgnoreCase("host")
        && !name.equalsIgnoreCase("forwarded") && !name.regionMatches(true, 0, FORWARDED_PREFIX, 0, FORWARDED_PREFIX.length())
        && !name.equalsIgnoreCase(ReplicaIdentity.RELAY_HEADER)
        && !(direct.kind() == RegistryTarget.Kind.NODE && name.equalsIgnoreCase(DeliveryReceipt.REQUEST_HEADER));
  }

  /** Header names compared in any case, without a lower-cased copy of each name per request. */
  private static Set<String> ignoringCase(Collection<String> names) {
    SortedSet<String> set = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    set.addAll(names);
    return Collections.unmodifiableSortedSet(set);
  }

  /** Headers a {@code Connection} header names: hop-by-hop too (RFC 9110 7.6.1), never passed on. */
  private static Set<String> connectionTokens(List<String> connection) {
    if (connection == null || connection.isEmpty()) {
      return Set.of();
    }
    Set<String> tokens = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    for (String value : connection) {
      for (String token : value.split(",")) {
        tokens.add(token.trim());
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
    HttpMethod method = request.getMethod();
    // Standard methods and a status: a bounded set of timers (routes × statuses × methods), kept;
    // another method is registered as before (the registry's filter names it OTHER).
    Timer timer = code != null && STANDARD_METHODS.contains(method)
        ? timers.computeIfAbsent(new TimerKey(direct.routeId(), code.value(), method), key -> timer(key.routeId(), code, method))
        : timer(direct.routeId(), code, method);
    timer.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
  }

  private Timer timer(String routeId, HttpStatusCode code, HttpMethod method) {
    HttpStatus known = code == null ? null : HttpStatus.resolve(code.value());
    return Timer.builder(TIMER)
        .tag("routeId", routeId)
        .tag("routeUri", ROUTE_URI)
        .tag("outcome", known == null ? "CUSTOM" : known.series().name())
        .tag("status", known == null ? "CUSTOM" : known.name())
        .tag("httpStatusCode", code == null ? "NA" : Integer.toString(code.value()))
        .tag("httpMethod", method.name())
        .register(meters);
  }

  private record TimerKey(String routeId, int status, HttpMethod method) {}

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
