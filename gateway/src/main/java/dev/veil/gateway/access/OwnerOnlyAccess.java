package dev.veil.gateway.access;

import dev.veil.gateway.limits.ClientAddresses;
import dev.veil.gateway.registry.RegistryTarget;
import dev.veil.gateway.routing.RegisteredName;
import dev.veil.gateway.tunnel.RelayedRequests;
import dev.veil.service.problem.ProblemException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.http.HttpCookie;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseCookie;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Admits a visitor of a service open to its job's owner only ({@code "access": "owner"}) with a
 * valid session of that owner for that job, and no one else (401, WebSocket upgrades included):
 * <ul>
 *   <li>{@code x-session-id: <session>}, for scripts;</li>
 *   <li>{@code ?veil-session=<session>} once, for a browser, with a session scoped to the job: it is
 *       checked, set as a cookie (HttpOnly, SameSite=Lax, host-only, living as long as the session;
 *       over HTTPS named {@value #SECURE_COOKIE}, which browsers accept only Secure, for this host
 *       alone and from this host alone) and the browser is redirected to the same URL without it;</li>
 *   <li>then that cookie. With the cookie alone, a WebSocket upgrade or a request that changes
 *       something must come from the service's own origin ({@code Origin}): every service shares
 *       the node domain, so the cookie's SameSite does not keep another job's page out (403).</li>
 * </ul>
 * The service never sees the session: the header, the cookies and the parameter are taken off
 * before the request goes on — also on services anyone may visit, so no link can hand a session
 * to a host. A request another replica passed on was admitted there, which it says
 * ({@link RelayedRequests#OWNER_ADMITTED_HEADER}); without that, it is refused here too.
 */
public final class OwnerOnlyAccess implements GatewayFilter {

  public static final String COOKIE = "veil-session";
  public static final String SECURE_COOKIE = "__Host-veil-session";
  public static final String PARAM = "veil-session";
  static final String HEADER = "x-session-id";
  /** Exchange attribute: this replica admitted the request to an owner-only service. */
  public static final String ADMITTED_ATTR = OwnerOnlyAccess.class.getName() + ".admitted";
  /** Most session cookies looked at (others of the node domain may have set some). */
  private static final int MAX_COOKIES = 8;

  private final OwnerSessions sessions;
  private final ClientAddresses clients;

  public OwnerOnlyAccess(OwnerSessions sessions, ClientAddresses clients) {
    this.sessions = sessions;
    this.clients = clients;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
    RegistryTarget target = exchange.getRequiredAttribute(RegisteredName.TARGET_ATTR);
    RegistryTarget.OwnerOnly service = target.ownerOnly();
    ServerHttpRequest request = exchange.getRequest();
    if (service == null) {
      // Anyone may visit; still, no Veil session goes on to the host.
      return carriesSession(request) ? chain.filter(exchange.mutate().request(withoutSession(request, false)).build())
          : chain.filter(exchange);
    }
    if (RelayedRequests.isRelayed(exchange)) {
      return target.id().equals(exchange.getAttribute(RelayedRequests.OWNER_ADMITTED_ATTR))
          ? chain.filter(exchange) : Mono.error(denied());
    }
    String client = clients.of(exchange);
    List<String> fromLink = paramValues(request.getURI().getRawQuery());
    if (!fromLink.isEmpty()) {
      if (fromLink.size() != 1 || fromLink.get(0).isBlank()) {
        return Mono.error(denied());
      }
      String session = fromLink.get(0).trim();
      // A link goes into a browser's cookie jar: only a session scoped to this job.
      return sessions.ownerOf(session, service, client)
          .filter(valid -> valid.jobId() != null)
          .switchIfEmpty(Mono.error(OwnerOnlyAccess::denied))
          .flatMap(valid -> keepAndRedirect(exchange, session, valid.expiresAt()));
    }
    String header = request.getHeaders().getFirst(HEADER);
    if (header != null && !header.isBlank()) {
      return sessions.ownerOf(header.trim(), service, client)
          .switchIfEmpty(Mono.error(OwnerOnlyAccess::denied))
          .flatMap(valid -> admit(exchange, chain));
    }
    List<String> cookies = sessionCookies(request, isHttps(request));
    if (cookies.isEmpty()) {
      return Mono.error(denied());
    }
    if (needsSameOrigin(request) && !fromSameOrigin(request)) {
      return Mono.error(ProblemException.forbidden("this service admits its job's owner only, and a WebSocket or a request "
          + "that changes something, sent with the owner's cookie, must come from the service's own pages"));
    }
    // The first cookie that is a valid session of the owner (a sibling host may have set others).
    return Flux.fromIterable(cookies)
        // One look-up refused for too many failures (planted cookies count too) does not end the others.
        .concatMap(cookie -> sessions.ownerOf(cookie, service, client)
            .onErrorResume(error -> ProblemException.hasStatus(error, HttpStatus.TOO_MANY_REQUESTS), error -> Mono.empty()))
        .next()
        .switchIfEmpty(Mono.error(OwnerOnlyAccess::denied))
        .flatMap(valid -> admit(exchange, chain));
  }

  private static Mono<Void> admit(ServerWebExchange exchange, GatewayFilterChain chain) {
    ServerWebExchange admitted = exchange.mutate().request(withoutSession(exchange.getRequest(), true)).build();
    admitted.getAttributes().put(ADMITTED_ATTR, true);
    return chain.filter(admitted);
  }

  private static ProblemException denied() {
    return ProblemException.denied("this service admits its job's owner only: send a session of the owner for this job "
        + "(not one scoped to a node) in x-session-id, or open the URL once with ?veil-session=<a session scoped to this job>");
  }

  // Over HTTPS only the cookie this gateway sets there, which no other host can plant.
  private static List<String> sessionCookies(ServerHttpRequest request, boolean https) {
    return request.getCookies().getOrDefault(https ? SECURE_COOKIE : COOKIE, List.of()).stream()
        .map(HttpCookie::getValue)
        .filter(value -> !value.isBlank())
        .distinct()
        .limit(MAX_COOKIES)
        .toList();
  }

  // Cheap enough for every request to a service: most carry neither.
  /** Whether a request carries a Veil session by link or cookie, which never goes on to a host. */
  public static boolean carriesSession(ServerHttpRequest request) {
    return carriesSession(request.getURI().getRawQuery(), request.getHeaders().get(HttpHeaders.COOKIE));
  }

  /** The same, from a request's raw query (null if none) and its {@code Cookie} lines (null or empty if none). */
  public static boolean carriesSession(String rawQuery, List<String> cookies) {
    if (!paramValues(rawQuery).isEmpty()) {
      return true;
    }
    return cookies != null && cookies.stream().anyMatch(line -> line.contains(COOKIE + "="));
  }

  private static boolean needsSameOrigin(ServerHttpRequest request) {
    HttpMethod method = request.getMethod();
    boolean upgrade = "websocket".equalsIgnoreCase(request.getHeaders().getUpgrade());
    return upgrade || !(method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS);
  }

  // No Origin: not a browser's cross-origin request (browsers send one with every WebSocket and cross-origin write).
  // Same origin: the same host name (services differ by name, not port), over the same kind of scheme.
  private static boolean fromSameOrigin(ServerHttpRequest request) {
    String origin = request.getHeaders().getOrigin();
    String host = request.getHeaders().getFirst(HttpHeaders.HOST);
    if (origin == null) {
      return true;
    }
    try {
      URI from = URI.create(origin);
      URI to = URI.create("http://" + host);
      boolean secure = "https".equalsIgnoreCase(from.getScheme()) || "wss".equalsIgnoreCase(from.getScheme());
      boolean plain = "http".equalsIgnoreCase(from.getScheme()) || "ws".equalsIgnoreCase(from.getScheme());
      return from.getHost() != null && to.getHost() != null && from.getHost().equalsIgnoreCase(to.getHost())
          && (isHttps(request) ? secure : plain);
    } catch (IllegalArgumentException | NullPointerException e) {
      return false;
    }
  }

  // The session becomes a cookie for this host alone, and the browser comes back without it in the URL.
  private static Mono<Void> keepAndRedirect(ServerWebExchange exchange, String session, Long expiresAt) {
    ServerHttpRequest request = exchange.getRequest();
    long seconds = expiresAt == null ? 300 : Math.max(1, (expiresAt - System.currentTimeMillis()) / 1000);
    boolean https = isHttps(request);
    ResponseCookie cookie = ResponseCookie.from(https ? SECURE_COOKIE : COOKIE, session)
        .httpOnly(true)
        .secure(https)
        .sameSite("Lax")
        .path("/")
        .maxAge(Duration.ofSeconds(seconds))
        .build();
    var response = exchange.getResponse();
    // 303 for a read; 307 keeps any other method and its body.
    HttpMethod method = request.getMethod();
    response.setStatusCode(method == HttpMethod.GET || method == HttpMethod.HEAD ? HttpStatus.SEE_OTHER : HttpStatus.TEMPORARY_REDIRECT);
    response.getHeaders().set(HttpHeaders.LOCATION, withoutParam(request.getURI()));
    response.getHeaders().setCacheControl("no-store");
    response.addCookie(cookie);
    return response.setComplete();
  }

  private static String withoutParam(URI uri) {
    String kept = keptQuery(uri.getRawQuery());
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    return kept == null ? path : path + "?" + kept;
  }

  /** The decoded values of {@code veil-session} in a raw query, its name matched decoded ({@code veil%2Dsession} too). */
  static List<String> paramValues(String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return List.of();
    }
    return java.util.Arrays.stream(rawQuery.split("&"))
        .filter(pair -> PARAM.equals(decoded(pair.split("=", 2)[0])))
        .map(pair -> pair.contains("=") ? decoded(pair.substring(pair.indexOf('=') + 1)) : "")
        .toList();
  }

  /** A raw query without any {@code veil-session} pair, every other pair as it was; null when nothing is left. */
  static String keptQuery(String rawQuery) {
    if (rawQuery == null) {
      return null;
    }
    String kept = java.util.Arrays.stream(rawQuery.split("&"))
        .filter(pair -> !PARAM.equals(decoded(pair.split("=", 2)[0])))
        .collect(Collectors.joining("&"));
    return kept.isEmpty() ? null : kept;
  }

  private static String decoded(String raw) {
    try {
      return java.net.URLDecoder.decode(raw, java.nio.charset.StandardCharsets.UTF_8);
    } catch (IllegalArgumentException malformed) {
      return raw;
    }
  }

  private static boolean isHttps(ServerHttpRequest request) {
    String forwarded = request.getHeaders().getFirst("X-Forwarded-Proto");
    return "https".equalsIgnoreCase(request.getURI().getScheme())
        || (forwarded != null && "https".equalsIgnoreCase(forwarded.split(",")[0].trim()));
  }

  /**
   * The request without Veil's session: its cookies and parameter always, the {@code x-session-id}
   * header when {@code header} (a service anyone may visit may have a header of that name of its own).
   */
  private static ServerHttpRequest withoutSession(ServerHttpRequest request, boolean header) {
    ServerHttpRequest.Builder stripped = request.mutate();
    URI uri = request.getURI();
    if (!paramValues(uri.getRawQuery()).isEmpty()) {
      String kept = keptQuery(uri.getRawQuery());
      // The raw parts as they came, the parameter left out: nothing is decoded or encoded again.
      stripped.uri(URI.create(uri.getScheme() + "://" + uri.getRawAuthority() + uri.getRawPath() + (kept == null ? "" : "?" + kept)));
    }
    return stripped.headers(headers -> {
      if (header) {
        headers.remove(HEADER);
      }
      List<String> cookies = headers.get(HttpHeaders.COOKIE);
      if (cookies != null) {
        String kept = cookies.stream()
            .flatMap(line -> java.util.Arrays.stream(line.split(";")))
            .map(String::trim)
            .filter(pair -> !pair.isEmpty() && !pair.startsWith(COOKIE + "=") && !pair.startsWith(SECURE_COOKIE + "="))
            .collect(Collectors.joining("; "));
        headers.remove(HttpHeaders.COOKIE);
        if (!kept.isEmpty()) {
          headers.set(HttpHeaders.COOKIE, kept);
        }
      }
    }).build();
  }
}
