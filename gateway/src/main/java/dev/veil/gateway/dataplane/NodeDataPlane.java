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
import dev.veil.gateway.tunnel.ForwardGuard;
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
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaderNames;
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
import java.util.function.BiFunction;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.server.ResponseStatusException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.LoopResources;

/**
 * The {@code *.node} data plane's common case, served on Reactor Netty's own request and response,
 * in front of WebFlux and Spring Cloud Gateway: a request to a node's agent API, or to an exposed
 * service open to anyone. It does what the {@code node} and {@code service} routes do for such a
 * request — the per-client rate limit, the API path allow-list, the body limit, hop-by-hop and
 * forwarding headers dropped, the access log line, the route timer, the response timeout (504),
 * an unreachable forward or replica (503) — and proxies with the gateway's own HTTP client and
 * pool: to the forward's loopback port when this replica holds the tunnel; else, when the registry
 * cache already names the replica that holds it, to that replica with its relay token and the
 * client's Host, as the routes relay. A request passed on here with this replica's token is served
 * from the tunnel held here without a second rate limit (the replica that took it applied it).
 * Nothing of WebFlux runs for it: no request or response adapter, no {@code java.net.URI} built
 * from the Host. docs/benchmarks.md has the profiles that made it worth it.
 *
 * <p>Everything else goes to WebFlux ({@code chain}) unchanged: names nothing routes (404, node
 * offline) or not cached yet (the routes look them up, once), a registry that did not answer, a
 * relay token that is not this replica's, WebSockets and other upgrades, a node's result reads
 * (they carry delivery receipts), paths outside the agent's API (the chain's 404), services open
 * to their job's owner only (and requests another replica admitted to one), a request to an open
 * service carrying a Veil session (the chain strips it), CORS preflights (the chain answers them
 * itself), and a request target that is not a plain origin-form path with a plain query (the
 * chain reads it as WebFlux always has, or refuses it with 400).
 */
public final class NodeDataPlane implements BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> {

  static final String NODE_ROUTE = "node";
  static final String SERVICE_ROUTE = "service";
  /** As Spring Cloud Gateway tags the two routes' URI (the default port added). */
  private static final String ROUTE_URI = "http://registry.invalid:80";
  private static final String TIMER = "spring.cloud.gateway.requests";
  /**
   * The most forward clients kept, one per port and event loop: 1024 ports' (a port's clients serve
   * every forward it is ever given to).
   */
  private static final int FORWARD_CLIENTS = 1024 * LoopResources.DEFAULT_IO_WORKER_COUNT;
  private static final String FORWARDED_PREFIX = "x-forwarded-";
  private static final Set<HttpMethod> STANDARD_METHODS = Set.of(HttpMethod.values());

  private final BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> chain;
  private final NodeDomainHost hosts;
  private final LocalForwards forwards;
  private final RegistryCache registry;
  private final ReplicaIdentity replica;
  private final NodeApiPaths apiPaths;
  private final GatewayProperties.Nodes limits;
  private final HttpClient client;
  /**
   * The client to each loopback forward port, its address set: the request then names only its
   * path, which Reactor Netty does not parse with a regular expression as it does an absolute URL
   * (3.1 % of the event loops' samples, docs/benchmarks.md). {@link #client}'s provider, a pool per
   * event loop.
   */
  private final ForwardClients forwardClients;
  private final Set<String> hopByHop;
  private final ClientRateLimit rateLimit;
  private final AccessLog accessLog;
  private final ProblemWriter problems;
  private final MeterRegistry meters;
  private final NettyDataBufferFactory buffers = new NettyDataBufferFactory(ByteBufAllocator.DEFAULT);
  /** The route timers of the standard methods, by route, status and method: built once, not per request. */
  private final Map<TimerKey, Timer> timers = new ConcurrentHashMap<>();

  /**
   * @param chain     WebFlux and Spring Cloud Gateway, on the same request and response: every request this does not serve
   * @param hopByHop  header names never passed on, either way (in any case)
   * @param rateLimit null when the rate limit is off
   * @param accessLog null when the access log is off
   */
  NodeDataPlane(BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> chain,
      NodeDomainHost hosts, LocalForwards forwards, RegistryCache registry, ReplicaIdentity replica,
      GatewayProperties.Nodes limits, NodeApiPaths apiPaths, HttpClient client, Set<String> hopByHop,
      ClientRateLimit rateLimit, AccessLog accessLog, ProblemWriter problems, MeterRegistry meters) {
    this.chain = chain;
    this.hosts = hosts;
    this.forwards = forwards;
    this.registry = registry;
    this.replica = replica;
    this.apiPaths = apiPaths;
    this.limits = limits;
    this.client = client;
    this.forwardClients = new ForwardClients(client, FORWARD_CLIENTS);
    this.hopByHop = ignoringCase(hopByHop);
    this.rateLimit = rateLimit;
    this.accessLog = accessLog;
    this.problems = problems;
    this.meters = meters;
  }

  /** Whether a request is this handler's to look at: its Host is under the node domain (else WebFlux's alone). */
  boolean looksAt(HttpServerRequest request) {
    return hosts.isUnderDomain(request.requestHeaders().get(HttpHeaderNames.HOST));
  }

  @Override
  public Publisher<Void> apply(HttpServerRequest request, HttpServerResponse response) {
    io.netty.handler.codec.http.HttpHeaders headers = request.requestHeaders();
    if (headers.contains(RelayedRequests.OWNER_ADMITTED_HEADER) || headers.contains(HttpHeaderNames.UPGRADE)
        || isPreflight(request.method(), headers)) {
      // CORS preflights too: the chain's handler mapping answers them itself, never a host.
      return chain.apply(request, response);
    }
    Target target = Target.of(request.uri());
    Optional<String> id = target == null ? Optional.empty() : hosts.id(headers.get(HttpHeaderNames.HOST));
    if (id.isEmpty()) {
      return chain.apply(request, response);
    }
    HttpMethod method = HttpMethod.valueOf(request.method().name());
    String relayToken = headers.get(ReplicaIdentity.RELAY_HEADER);
    if (relayToken != null) {
      // Passed on by another replica, which rate-limited it: served from a tunnel held here or by the chain
      // (a forged token, a name no longer held here); never passed on again.
      Direct direct = replica.isRelayToken(relayToken) ? local(request, method, target, headers, id.get(), true) : null;
      return direct == null ? chain.apply(request, response) : proxy(request, response, method, target, direct);
    }
    Direct direct = local(request, method, target, headers, id.get(), false);
    if (direct != null) {
      return proxy(request, response, method, target, direct);
    }
    // Not held here: to the replica that holds it, if the registry cache already says which. Anything
    // else (a name not cached yet, or not found, a registry that did not answer) the routes look up
    // once and answer (404, node offline, 503), caching the name for the requests that follow.
    Direct relay = registry.peek(id.get()).filter(RegistryTarget::isRelay)
        .map(held -> passOn(method, target, headers, held)).orElse(null);
    return relay == null ? chain.apply(request, response) : proxy(request, response, method, target, relay);
  }

  /** As Spring's {@code CorsUtils.isPreFlightRequest}: OPTIONS with an Origin and the method it asks for. */
  private static boolean isPreflight(io.netty.handler.codec.http.HttpMethod method,
      io.netty.handler.codec.http.HttpHeaders headers) {
    return io.netty.handler.codec.http.HttpMethod.OPTIONS.equals(method) && headers.contains(HttpHeaderNames.ORIGIN)
        && headers.contains(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD);
  }

  /** A request for a tunnel this replica holds, if this serves it; null sends it down the chain. */
  private Direct local(HttpServerRequest request, HttpMethod method, Target target,
      io.netty.handler.codec.http.HttpHeaders headers, String id, boolean relayed) {
    Optional<LocalForwards.Forward> node = forwards.forward(RegistryTarget.Kind.NODE, id);
    if (node.isPresent()) {
      return served(method, target, headers, RegistryTarget.Kind.NODE, null)
          ? toForward(request, RegistryTarget.Kind.NODE, id, node.get().port(), relayed)
          : null;
    }
    Optional<LocalForwards.Forward> service = forwards.forward(RegistryTarget.Kind.SERVICE, id);
    return service.isPresent() && served(method, target, headers, RegistryTarget.Kind.SERVICE, service.get().ownerOnly())
        ? toForward(request, RegistryTarget.Kind.SERVICE, id, service.get().port(), relayed)
        : null;
  }

  /** To this replica's forward at {@code port}, from the pool of the loop that reads the request; guarded ({@link ForwardGuard}). */
  private Direct toForward(HttpServerRequest request, RegistryTarget.Kind kind, String id, int port, boolean relayed) {
    return direct(kind, id, forwardClients.to(port, RequestLoop.of(request)), "", null, relayed,
        new ForwardGuard.Route(kind, id, port));
  }

  /** A request for a tunnel another replica holds, if this passes it on; null sends it down the chain. */
  private Direct passOn(HttpMethod method, Target target, io.netty.handler.codec.http.HttpHeaders headers,
      RegistryTarget held) {
    return served(method, target, headers, held.kind(), held.ownerOnly())
        ? direct(held.kind(), held.id(), client, held.base().toString(), held.relayToken(), false, null)
        : null;
  }

  /** A request this serves, to {@code base}, with the body cap and timeout of its kind's route. */
  private Direct direct(RegistryTarget.Kind kind, String id, HttpClient via, String base, String relayToken,
      boolean relayed, ForwardGuard.Route route) {
    return kind == RegistryTarget.Kind.NODE
        ? new Direct(kind, id, via, base, relayToken, relayed, limits.maxApiRequestBody().toBytes(), limits.apiResponseTimeout(), route)
        : new Direct(kind, id, via, base, relayToken, relayed, limits.maxRequestBody().toBytes(), limits.responseTimeout(), route);
  }

  /**
   * Whether this serves a request to such a target: a node's API but its result reads (delivery
   * receipts), a service open to anyone unless the request carries a session (the chain strips it).
   */
  private boolean served(HttpMethod method, Target target, io.netty.handler.codec.http.HttpHeaders headers,
      RegistryTarget.Kind kind, RegistryTarget.OwnerOnly ownerOnly) {
    if (kind == RegistryTarget.Kind.NODE) {
      return apiPaths.allows(target.path()) && !ResultReceipts.isCollecting(method, target.path());
    }
    return ownerOnly == null && !OwnerOnlyAccess.carriesSession(target.query(), headers.getAll(HttpHeaderNames.COOKIE));
  }

  private Mono<Void> proxy(HttpServerRequest request, HttpServerResponse response, HttpMethod method, Target target,
      Direct direct) {
    long started = System.nanoTime();
    Mono<Void> served;
    ProblemException refused = rateLimit == null || direct.relayed() ? null : rateLimit.refusal(request);
    long length = contentLength(request.requestHeaders());
    if (refused != null) {
      served = Mono.error(refused);
    } else if (length > direct.maxBody()) {
      served = Mono.error(BodyCap.tooLarge(direct.maxBody()));
    } else {
      served = forward(request, response, target, direct, length, started);
    }
    return served
        // A client gone is no one to answer (the chain's error handler skips it too).
        .onErrorResume(error -> !response.hasSentHeaders() && !ProblemMapping.isClientGone(error),
            error -> problem(request, response, target, direct, error, started))
        // Timed when answered or failed; a request its client left is not (as the chain's timer).
        .doFinally(signal -> {
          if (signal != SignalType.CANCEL) {
            record(method, response.status().code(), direct, started);
          }
        });
  }

  private Mono<Void> forward(HttpServerRequest request, HttpServerResponse response, Target target, Direct direct,
      long length, long started) {
    Flux<ByteBuf> body = request.receive().retain();
    if (length < 0) {
      // Chunked: counted as it passes, cut off at the cap; no upstream receives more.
      body = BodyCap.counted(body, direct.maxBody(), ByteBuf::readableBytes, ByteBuf::release);
    }
    Flux<ByteBuf> sent = body;
    io.netty.handler.codec.http.HttpHeaders from = request.requestHeaders();
    // The upstream connection until its body is handed on: released here if that never happens.
    AtomicReference<Connection> unclaimed = new AtomicReference<>();
    return direct.via()
        .request(request.method())
        .uri(direct.base() + target.raw())
        .send((upstream, out) -> {
          io.netty.handler.codec.http.HttpHeaders to = upstream.requestHeaders();
          Set<String> listed = connectionTokens(from.getAll(HttpHeaderNames.CONNECTION));
          for (String name : from.names()) {
            if (passesOn(name, direct, listed)) {
              to.set(name, from.getAll(name));
            }
          }
          if (direct.relayToken() != null) {
            // To the replica that holds the tunnel: the client's Host (it routes by it) and that replica's token.
            to.set(HttpHeaderNames.HOST, from.get(HttpHeaderNames.HOST));
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
        // To a forward here: sent only while its name is still routed there (ForwardGuard).
        .contextWrite(context -> ForwardGuard.routedTo(context, direct.route()))
        .next()
        .timeout(direct.timeout(), Mono.error(() -> new ResponseStatusException(HttpStatus.GATEWAY_TIMEOUT,
            "no response headers within " + direct.timeout())))
        .flatMap(answer -> {
          int status = answer.upstream().status().code();
          if (status < 100 || status > 999) {
            return Mono.error(ProblemException.badUpstreamAnswer("the upstream answered with status " + status));
          }
          response.status(status);
          io.netty.handler.codec.http.HttpHeaders to = response.responseHeaders();
          io.netty.handler.codec.http.HttpHeaders answered = answer.upstream().responseHeaders();
          Set<String> listed = connectionTokens(answered.getAll(HttpHeaderNames.CONNECTION));
          for (Map.Entry<String, String> header : answered) {
            String name = header.getKey();
            if (!hopByHop.contains(name) && !listed.contains(name) && !DeliveryReceipt.TOKEN_HEADER.equalsIgnoreCase(name)) {
              to.add(name, header.getValue());
            }
          }
          return relay(answer.connection().inbound().receive().retain()
                  .doOnSubscribe(subscription -> unclaimed.set(null)),
              () -> logged(request, target, direct, status, started),
              whole -> response.send(whole).then());
        })
        .doFinally(signal -> {
          // Answered but its body never read (an error or a timeout in between): not left checked out of the pool.
          Connection left = unclaimed.getAndSet(null);
          if (left != null) {
            left.dispose();
          }
        });
  }

  /**
   * The upstream's body sent on, committed on its first signal, not before: an upstream that fails
   * before its first byte (closed after its headers) is still answered with a problem (502).
   * {@code committing} runs just before the send. A client already gone when the send starts (its
   * connection closed while the first buffer was on its way here, on another event loop) ends the
   * relay quietly: there is no one left to answer, and the cancel its close sends up may already
   * have passed, so an error here would be dropped and logged by Reactor at ERROR, with a stack
   * trace, for an ordinary disconnect.
   */
  static Mono<Void> relay(Flux<ByteBuf> body, Runnable committing, Function<Flux<ByteBuf>, Mono<Void>> send) {
    return body
        .switchOnFirst((first, whole) -> {
          if (first.hasError()) {
            return Mono.error(first.getThrowable());
          }
          committing.run();
          return send.apply(whole).onErrorResume(ProblemMapping::isClientGone, gone -> Mono.empty());
        })
        // The first buffer, held by switchOnFirst, is discarded unreleased when the send never
        // takes it (the client gone, a cancel in between): released here, once.
        .doOnDiscard(ByteBuf.class, NodeDataPlane::releaseOnce)
        .then();
  }

  private static void releaseOnce(ByteBuf buffer) {
    if (buffer.refCnt() > 0) {
      buffer.release();
    }
  }

  /** The failure as a problem, with nothing of a host's answer (its cookies, its Content-Type). */
  private Mono<Void> problem(HttpServerRequest request, HttpServerResponse response, Target target, Direct direct,
      Throwable error, long started) {
    ProblemWriter.Encoded problem = problems.encode(error, buffers);
    ByteBuf body = NettyDataBufferFactory.toByteBuf(problem.body());
    io.netty.handler.codec.http.HttpHeaders to = response.responseHeaders();
    to.clear();
    problem.headers().forEach((name, values) -> to.set(name, values));
    to.setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
    response.status(problem.status().value());
    logged(request, target, direct, problem.status().value(), started);
    // sendObject releases the buffer if the connection is already gone (send(Mono) would never take it).
    return response.sendObject(body).then();
  }

  private void logged(HttpServerRequest request, Target target, Direct direct, int status, long started) {
    if (accessLog != null) {
      accessLog.write(request.method().name(), request.requestHeaders().get(HttpHeaderNames.HOST), target.path(),
          request.remoteAddress(), direct.kind(), direct.id(), direct.routeId(), status, started);
    }
  }

  /** The declared body length, or -1: none (chunked, or no body). Netty's decoder has refused a malformed one. */
  private static long contentLength(io.netty.handler.codec.http.HttpHeaders headers) {
    String declared = headers.get(HttpHeaderNames.CONTENT_LENGTH);
    if (declared == null) {
      return -1;
    }
    try {
      return Long.parseLong(declared.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
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

  /** Spring Cloud Gateway's route timer, with its tags as it makes them: the node and service routes' numbers stay whole. */
  private void record(HttpMethod method, int status, Direct direct, long started) {
    HttpStatusCode code = HttpStatusCode.valueOf(status);
    // Standard methods: a bounded set of timers (routes × statuses × methods), kept; another method
    // is registered as before (the registry's filter names it OTHER).
    Timer timer = STANDARD_METHODS.contains(method)
        ? timers.computeIfAbsent(new TimerKey(direct.routeId(), status, method), key -> timer(key.routeId(), code, method))
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
   * A request's origin-form target, as sent: {@code raw} is path and query, {@code query} null when
   * there is none.
   */
  record Target(String raw, String path, String query) {

    /**
     * The target, if it is one {@code java.net.URI} reads as it is (as WebFlux would): a path from
     * "/" and an optional query of unreserved and sub-delimiter characters, ":", "@", "/" and
     * well-formed %-escapes (and "?" in the query). Anything else (absolute-form, "*", a fragment,
     * characters a URI must escape) is null: the chain reads it, or refuses it with 400, as ever.
     */
    static Target of(String raw) {
      if (raw == null || raw.isEmpty() || raw.charAt(0) != '/') {
        return null;
      }
      int query = -1;
      for (int i = 0; i < raw.length(); i++) {
        char c = raw.charAt(i);
        if (c == '?' && query < 0) {
          query = i;
        } else if (c == '%') {
          if (i + 2 >= raw.length() || !isHex(raw.charAt(i + 1)) || !isHex(raw.charAt(i + 2))) {
            return null;
          }
          i += 2;
        } else if (!(c == '?' || isPlain(c))) {
          return null;
        }
      }
      return query < 0 ? new Target(raw, raw, null) : new Target(raw, raw.substring(0, query), raw.substring(query + 1));
    }

    private static boolean isPlain(char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~!$&'()*+,;=:@/".indexOf(c) >= 0;
    }

    private static boolean isHex(char c) {
      return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
  }

  /**
   * A request this serves, with its route's limits.
   *
   * @param via        the client: to this replica's listener for the tunnel's forward, its
   *                   address set; or the gateway's client
   * @param base       what the request's target follows: "" to a forward (the client has its
   *                   address); the URL of the replica that holds the tunnel
   * @param relayToken that replica's token when the request is passed on to it; else null
   * @param relayed    passed on here by another replica (already rate-limited there)
   */
  record Direct(RegistryTarget.Kind kind, String id, HttpClient via, String base, String relayToken, boolean relayed,
      long maxBody, Duration timeout, ForwardGuard.Route route) {

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
