package dev.veil.gateway.access;

import dev.veil.gateway.registry.RegistryTarget;
import dev.veil.gateway.routing.RegisteredName;
import dev.veil.gateway.tunnel.RelayedRequests;
import dev.veil.service.problem.ProblemException;
import java.net.InetSocketAddress;
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
import org.springframework.web.util.UriComponentsBuilder;
import reactor.core.publisher.Mono;

/**
 * Admits a visitor of a service open to its job's owner only ({@code "access": "owner"}) with a
 * valid session of that owner, for that job, and no one else (401, WebSocket upgrades included):
 * <ul>
 *   <li>{@code x-session-id: <session>}, for scripts;</li>
 *   <li>{@code ?veil-session=<session>} once, for a browser: the session is checked, set as a
 *       cookie (HttpOnly, SameSite=Lax, Secure when served over HTTPS, host-only, living as long
 *       as the session) and the browser redirected to the same URL without it;</li>
 *   <li>then that cookie, {@value #COOKIE}.</li>
 * </ul>
 * The service never sees the session: the header and the cookie are taken off before the request
 * goes on. A request another replica passed on was admitted there (the relay token says so).
 */
public final class OwnerOnlyAccess implements GatewayFilter {

  public static final String COOKIE = "veil-session";
  public static final String PARAM = "veil-session";
  static final String HEADER = "x-session-id";

  private final OwnerSessions sessions;

  public OwnerOnlyAccess(OwnerSessions sessions) {
    this.sessions = sessions;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
    RegistryTarget target = exchange.getRequiredAttribute(RegisteredName.TARGET_ATTR);
    RegistryTarget.OwnerOnly service = target.ownerOnly();
    if (service == null || RelayedRequests.isRelayed(exchange)) {
      return chain.filter(exchange);
    }
    ServerHttpRequest request = exchange.getRequest();
    String client = client(request);
    List<String> fromLink = request.getQueryParams().get(PARAM);
    if (fromLink != null) {
      if (fromLink.size() != 1 || fromLink.get(0).isBlank()) {
        return Mono.error(denied());
      }
      return sessions.ownerOf(fromLink.get(0).trim(), service, client)
          .switchIfEmpty(Mono.error(OwnerOnlyAccess::denied))
          .flatMap(valid -> keepAndRedirect(exchange, fromLink.get(0).trim(), valid.expiresAt()));
    }
    String session = presented(request);
    if (session == null) {
      return Mono.error(denied());
    }
    return sessions.ownerOf(session, service, client)
        .switchIfEmpty(Mono.error(OwnerOnlyAccess::denied))
        .flatMap(valid -> chain.filter(exchange.mutate().request(withoutSession(request)).build()));
  }

  private static ProblemException denied() {
    return ProblemException.denied("this service admits its job's owner only: send a session of the owner scoped to this job "
        + "(not to a node) in x-session-id, or open the URL once with ?veil-session=<that session>");
  }

  private static String presented(ServerHttpRequest request) {
    String header = request.getHeaders().getFirst(HEADER);
    if (header != null && !header.isBlank()) {
      return header.trim();
    }
    HttpCookie cookie = request.getCookies().getFirst(COOKIE);
    return cookie == null || cookie.getValue().isBlank() ? null : cookie.getValue();
  }

  // The session becomes a cookie for this host alone, and the browser comes back without it in the URL.
  private static Mono<Void> keepAndRedirect(ServerWebExchange exchange, String session, Long expiresAt) {
    ServerHttpRequest request = exchange.getRequest();
    long seconds = expiresAt == null ? 300 : Math.max(1, (expiresAt - System.currentTimeMillis()) / 1000);
    ResponseCookie cookie = ResponseCookie.from(COOKIE, session)
        .httpOnly(true)
        .secure(isHttps(request))
        .sameSite("Lax")
        .path("/")
        .maxAge(Duration.ofSeconds(seconds))
        .build();
    String location = UriComponentsBuilder.fromUri(request.getURI()).replaceQueryParam(PARAM)
        .scheme(null).host(null).port(null).userInfo(null).build(true).toUriString();
    var response = exchange.getResponse();
    // 303 for a read; 307 keeps any other method and its body.
    HttpMethod method = request.getMethod();
    response.setStatusCode(method == HttpMethod.GET || method == HttpMethod.HEAD ? HttpStatus.SEE_OTHER : HttpStatus.TEMPORARY_REDIRECT);
    response.getHeaders().set(HttpHeaders.LOCATION, location.isEmpty() ? "/" : location);
    response.getHeaders().setCacheControl("no-store");
    response.addCookie(cookie);
    return response.setComplete();
  }

  private static boolean isHttps(ServerHttpRequest request) {
    String forwarded = request.getHeaders().getFirst("X-Forwarded-Proto");
    return "https".equalsIgnoreCase(request.getURI().getScheme())
        || (forwarded != null && "https".equalsIgnoreCase(forwarded.split(",")[0].trim()));
  }

  // Neither the header nor the cookie goes on to the service; other cookies do.
  private static ServerHttpRequest withoutSession(ServerHttpRequest request) {
    return request.mutate().headers(headers -> {
      headers.remove(HEADER);
      List<String> cookies = headers.get(HttpHeaders.COOKIE);
      if (cookies != null) {
        String kept = cookies.stream()
            .flatMap(line -> java.util.Arrays.stream(line.split(";")))
            .map(String::trim)
            .filter(pair -> !pair.isEmpty() && !pair.startsWith(COOKIE + "="))
            .collect(Collectors.joining("; "));
        headers.remove(HttpHeaders.COOKIE);
        if (!kept.isEmpty()) {
          headers.set(HttpHeaders.COOKIE, kept);
        }
      }
    }).build();
  }

  private static String client(ServerHttpRequest request) {
    InetSocketAddress address = request.getRemoteAddress();
    return address == null || address.getAddress() == null ? "unknown" : address.getAddress().getHostAddress();
  }
}
