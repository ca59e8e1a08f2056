package dev.veil.gateway.eventloops;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import reactor.core.publisher.Mono;
import reactor.netty.resources.LoopResources;

/**
 * Event loops on epoll, where Reactor Netty would otherwise take io_uring: for
 * {@code veil.gateway.io-uring=false}. One group for the server and, colocated (a client connection
 * on the loop of the request that opened it, as Reactor Netty's own loops do), for the clients;
 * Reactor Netty picks epoll's channel classes for it.
 */
final class EpollLoops implements LoopResources {

  private final EventLoopGroup group;
  private final EventLoopGroup colocated;

  EpollLoops(int threads) {
    this.group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("reactor-http-epoll", true),
        EpollIoHandler.newFactory());
    this.colocated = LoopResources.colocate(group);
  }

  @Override
  public EventLoopGroup onServer(boolean useNative) {
    return group;
  }

  @Override
  public EventLoopGroup onClient(boolean useNative) {
    return colocated;
  }

  @Override
  public boolean isDisposed() {
    return group.isShuttingDown();
  }

  /** Shuts the loops down, waiting at most Reactor Netty's own shutdown timeout. */
  void close() {
    disposeLater(Duration.ofMillis(DEFAULT_SHUTDOWN_QUIET_PERIOD), Duration.ofMillis(DEFAULT_SHUTDOWN_TIMEOUT))
        .block(Duration.ofMillis(DEFAULT_SHUTDOWN_TIMEOUT).plusSeconds(5));
  }

  @Override
  public Mono<Void> disposeLater(Duration quietPeriod, Duration timeout) {
    return Mono.defer(() -> {
      group.shutdownGracefully(quietPeriod.toMillis(), timeout.toMillis(), TimeUnit.MILLISECONDS);
      return Mono.<Void>create(sink -> group.terminationFuture().addListener(done -> sink.success()));
    });
  }
}
