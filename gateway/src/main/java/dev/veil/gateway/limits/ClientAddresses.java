package dev.veil.gateway.limits;

import dev.veil.gateway.config.GatewayProperties;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;
import reactor.netty.http.server.HttpServerRequest;

/**
 * Who sent a request, as the rate limit and session look-ups count it: the connection's address,
 * or, behind {@code trusted-proxy-hops} proxies, the address they say they saw: the entry of a
 * single {@code X-Forwarded-For} header that many places from its end (the first if it has fewer),
 * as Spring Cloud Gateway's {@code XForwardedRemoteAddressResolver} picks it; several such headers
 * count as none. An IP address is normalised and its IPv6 zone dropped; anything else a proxy
 * wrote is taken as it is (never looked up in DNS) — it is only ever a key.
 */
public final class ClientAddresses {

  private static final String X_FORWARDED_FOR = "X-Forwarded-For";
  private static final int MAX_NAME = 255;

  private final int trustedHops;

  public ClientAddresses(GatewayProperties.RateLimit settings) {
    this.trustedHops = settings.trustedProxyHops();
  }

  /** The client's address, or {@code "unknown"}. */
  public String of(ServerWebExchange exchange) {
    return of(exchange.getRequest());
  }

  /** The client's address, or {@code "unknown"}. */
  public String of(ServerHttpRequest request) {
    return of(request.getHeaders().get(X_FORWARDED_FOR), request.getRemoteAddress());
  }

  /** The client's address, or {@code "unknown"}: of a request on the server's own connection (no WebFlux adapter). */
  public String of(HttpServerRequest request) {
    return of(trustedHops > 0 ? request.requestHeaders().getAll(X_FORWARDED_FOR) : null, request.remoteAddress());
  }

  private String of(List<String> forwarded, InetSocketAddress client) {
    if (trustedHops > 0) {
      if (forwarded != null && forwarded.size() == 1 && !forwarded.get(0).isBlank()) {
        String[] entries = forwarded.get(0).split(",");
        return named(entries[Math.max(0, entries.length - trustedHops)].trim());
      }
    }
    return client == null || client.getAddress() == null ? "unknown" : withoutZone(client.getAddress().getHostAddress());
  }

  private static String named(String entry) {
    if (entry.isEmpty()) {
      return "unknown";
    }
    // An address literal, parsed as such (Netty's parser never looks anything up, nor does getByAddress).
    byte[] literal = NetUtil.createByteArrayFromIpAddressString(entry);
    if (literal != null) {
      try {
        return withoutZone(InetAddress.getByAddress(literal).getHostAddress());
      } catch (UnknownHostException e) {
        return "unknown";
      }
    }
    return entry.length() > MAX_NAME ? entry.substring(0, MAX_NAME) : entry;
  }

  private static String withoutZone(String address) {
    int zone = address.indexOf('%');
    return zone < 0 ? address : address.substring(0, zone);
  }
}
