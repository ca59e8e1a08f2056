package dev.veil.gateway.eventloops;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.time.Duration;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.NonBlocking;
import reactor.netty.resources.LoopResources;

/**
 * Event loops on epoll, where Reactor Netty would otherwise take io_uring: for
 * {@code veil.gateway.io-uring=false}. Java NIO where epoll is not available or native transports
 * are refused ({@code -Dreactor.netty.native=false}), as Reactor Netty's own loops would be. One
 * group for the server and, colocated (a client connection on the loop of the request that opened
 * it, as Reactor Netty's own loops do), for the clients; Reactor Netty picks the channel classes
 * that fit it. Its threads are {@link NonBlocking}, as Reactor Netty's are: a {@code block()} on one
 * fails instead of stalling the loop.
 */
final class EpollLoops implements LoopResources {

  private final EventLoopGroup group;
  private final EventLoopGroup colocated;

  EpollLoops(int threads, boolean useNative) {
    boolean epoll = useNative && Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    this.group = new MultiThreadIoEventLoopGroup(threads, new LoopThreads(epoll ? "reactor-http-epoll" : "reactor-http-nio"), io);
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

  /** Shuts the loops down with Reactor Netty's own quiet period, waiting at most its timeout. */
  void close() {
    disposeLater().block(Duration.ofSeconds(DEFAULT_SHUTDOWN_TIMEOUT + 5));
  }

  @Override
  public Mono<Void> disposeLater(Duration quietPeriod, Duration timeout) {
    return Mono.defer(() -> {
      group.shutdownGracefully(quietPeriod.toMillis(), timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
      return Mono.<Void>create(sink -> group.terminationFuture().addListener(done -> sink.success()));
    });
  }

  /** Daemon threads named {@code <prefix>-<pool>-<n>} that Reactor knows not to block. */
  private static final class LoopThreads extends DefaultThreadFactory {
    LoopThreads(String prefix) {
      super(prefix, true);
    }

    @Override
    protected Thread newThread(Runnable task, String name) {
      return new LoopThread(threadGroup, task, name);
    }
  }

  private static final class LoopThread extends FastThreadLocalThread implements NonBlocking {
    LoopThread(ThreadGroup group, Runnable task, String name) {
      super(group, task, name);
    }
  }
}
