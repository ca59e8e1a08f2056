package dev.veil.gateway.limits;

import dev.veil.gateway.config.GatewayProperties;
import java.net.InetSocketAddress;
import org.springframework.cloud.gateway.support.ipresolver.RemoteAddressResolver;
import org.springframework.cloud.gateway.support.ipresolver.XForwardedRemoteAddressResolver;
import org.springframework.web.server.ServerWebExchange;

/**
 * Who sent a request, as the rate limit and session look-ups count it: the connection's address,
 * or, behind {@code trusted-proxy-hops} proxies, the address they say they saw
 * ({@code X-Forwarded-For}). An IPv6 zone is dropped.
 */
public final class ClientAddresses {

  private final RemoteAddressResolver resolver;

  public ClientAddresses(GatewayProperties.RateLimit settings) {
    this.resolver = settings.trustedProxyHops() > 0
        ? XForwardedRemoteAddressResolver.maxTrustedIndex(settings.trustedProxyHops())
        : new RemoteAddressResolver() {};
  }

  /** The client's address, or {@code "unknown"}. */
  public String of(ServerWebExchange exchange) {
    InetSocketAddress client = resolver.resolve(exchange);
    if (client == null || client.getAddress() == null) {
      return "unknown";
    }
    String address = client.getAddress().getHostAddress();
    int zone = address.indexOf('%');
    return zone < 0 ? address : address.substring(0, zone);
  }
}
