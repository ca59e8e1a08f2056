package dev.veil.gateway.tunnel;

import java.net.InetSocketAddress;
import reactor.netty.resources.ConnectionProvider;

/**
 * Drops the gateway's pooled connections to a forward's loopback port once the forward is closed,
 * on both the direct path and the routes (one connection provider serves both). Those connections
 * lead into the tunnel of the node that held the port: kept alive, they would carry requests for
 * the port's next holder, another node's forward, into that tunnel. Disposing the port's pools
 * closes their idle connections now and the rest when their request ends; the next request to the
 * port opens a new pool, whose connections reach whatever listens there then.
 *
 * <p>Left open: a request routed to a forward just before it closed may connect to the port just
 * after, when the kernel has already given it to another forward — a window of the time between
 * a routing decision and its connect, which only a re-check at connect time would close.
 */
final class ForwardPools {

  private final ConnectionProvider provider;

  ForwardPools(ConnectionProvider provider) {
    this.provider = provider;
  }

  /** Has {@code forwards}' closed ports dropped from {@code provider}. */
  static ForwardPools watching(LocalForwards forwards, ConnectionProvider provider) {
    ForwardPools pools = new ForwardPools(provider);
    forwards.whenPortCloses(pools::closed);
    return pools;
  }

  void closed(int port) {
    // The address the forwards are reached at: pools of this host and port, whatever their other settings.
    provider.disposeWhen(new InetSocketAddress("127.0.0.1", port));
  }
}
