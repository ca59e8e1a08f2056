package dev.veil.gateway.tunnel;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import reactor.netty.resources.ConnectionProvider;

/**
 * Drops the gateway's pooled connections to a forward's loopback port once the forward is closed:
 * those of the gateway's HTTP client, which the direct path and the routes share, and those of the
 * client that posts private results' receipts to nodes. Those connections lead into the tunnel of
 * the node that held the port: kept alive, they would carry requests for the port's next holder,
 * another node's forward, into that tunnel. Disposing the port's pools closes their idle
 * connections now and the rest when their request ends; the next request to the port opens a new
 * pool, whose connections reach whatever listens there then. Each closed port costs a scan of each
 * provider's pools.
 *
 * <p>A request routed to a forward just before it closed may connect to the port just after, when
 * the kernel has already given it to another forward: {@link ForwardGuard} checks the route again
 * once the connection is in hand, and sends nothing on one that reached another listener.
 */
final class ForwardPools {

  private final List<ConnectionProvider> providers;

  ForwardPools(List<ConnectionProvider> providers) {
    this.providers = List.copyOf(providers);
  }

  /** Has {@code forwards}' closed ports dropped from each of {@code providers}. */
  static ForwardPools watching(LocalForwards forwards, ConnectionProvider... providers) {
    // One given twice is used once (providers are compared by identity).
    ForwardPools pools = new ForwardPools(Arrays.stream(providers).distinct().toList());
    forwards.whenPortCloses(pools::closed);
    return pools;
  }

  void closed(int port) {
    // Pools of this host and port, whatever their other settings.
    InetSocketAddress address = LocalForwards.address(port);
    providers.forEach(provider -> provider.disposeWhen(address));
  }
}
