package dev.veil.gateway.dataplane;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.veil.gateway.tunnel.LocalForwards;
import io.netty.channel.EventLoop;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import reactor.netty.http.client.HttpClient;

/**
 * The gateway's HTTP client to each loopback forward port, with one connection pool per event loop:
 * a request read on one event loop takes its upstream connection from that loop's pool, and a
 * connection that pool opens is opened from that loop, which Reactor Netty's co-located client
 * loops then give it as its own. So a request and its answer are read and written on the thread
 * that reads the client's connection. With one pool per port, the idle connection a request takes
 * lives on whichever loop opened it, and the request and its answer cross between two threads, a
 * wake-up each way (docs/benchmarks.md, "Upstream connections on the client's event loop").
 *
 * <p>Reactor Netty keys a provider's pools by the remote address and a hash of the client's channel
 * settings, its channel attributes among them: {@link #HOME_LOOP} on each loop's client makes it a
 * pool of its own, with the provider's limits each (Spring Cloud Gateway's default pool is elastic).
 * It also names, on every forward connection, the loop whose pool it belongs to. A forward lightly
 * used from several loops keeps an idle connection (a tunnel channel) per loop rather than one.
 *
 * <p>That a pool's connections live on its loop rests on the client's loops being the server's,
 * co-located: Reactor Netty's global loops (io_uring or epoll) and {@code EpollLoops} are. On
 * loops of their own the pools would still be per loop, their connections on any loop.
 */
final class ForwardClients {

  /** The event loop whose pool a forward connection belongs to. */
  static final AttributeKey<EventLoop> HOME_LOOP = AttributeKey.valueOf("veil.forward.home-loop");

  private final HttpClient client;
  private final Cache<Key, HttpClient> clients;

  /**
   * @param client  the gateway's client, whose provider, loops and settings each forward's client keeps
   * @param maximum the most clients kept (a port and a loop each); one evicted is made again, its pool kept by the
   *                provider until the port closes ({@code ForwardPools})
   */
  ForwardClients(HttpClient client, int maximum) {
    this.client = client;
    this.clients = Caffeine.newBuilder().maximumSize(maximum).build();
  }

  /**
   * The client to a forward's loopback port for requests read on {@code loop}: sent a path, it
   * connects there (Host: 127.0.0.1:port).
   */
  HttpClient to(int port, EventLoop loop) {
    return clients.get(new Key(port, loop), key -> {
      InetSocketAddress address = LocalForwards.address(key.port());
      // Plain HTTP whatever TLS the gateway's client is given for https URLs: a path alone takes its
      // scheme from the client's settings, and the forward's listener speaks plain HTTP.
      return client.noSSL().remoteAddress(() -> address).attr(HOME_LOOP, key.loop());
    });
  }

  private record Key(int port, EventLoop loop) {}
}
