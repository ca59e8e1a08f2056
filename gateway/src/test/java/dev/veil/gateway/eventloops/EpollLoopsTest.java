package dev.veil.gateway.eventloops;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.epoll.Epoll;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.NonBlocking;

/** The loops veil.gateway.io-uring=false gives: epoll (NIO where it is not), threads Reactor will not let block. */
class EpollLoopsTest {

  @Test
  void epollWhereAvailableNioWhenNativeIsRefusedAndThreadsThatMayNotBlock() throws Exception {
    EpollLoops loops = new EpollLoops(1, true);
    try {
      assertThat(EventLoopTransport.of(loops.onServer(true))).isEqualTo(Epoll.isAvailable() ? "epoll" : "nio");
      // The clients' group (colocated): Reactor Netty gives it the same transport's channels.
      assertThat(loops.onChannelClass(io.netty.channel.socket.SocketChannel.class, loops.onClient(true)).getSimpleName())
          .isEqualTo(Epoll.isAvailable() ? "EpollSocketChannel" : "NioSocketChannel");
      Thread loop = loops.onServer(true).submit(Thread::currentThread).get(10, TimeUnit.SECONDS);
      assertThat(loop).isInstanceOf(NonBlocking.class);
      assertThat(loop.getName()).startsWith(Epoll.isAvailable() ? "reactor-http-epoll-" : "reactor-http-nio-");
    } finally {
      loops.close();
    }
    assertThat(loops.isDisposed()).isTrue();
    assertThat(loops.onServer(true).isTerminated()).isTrue();

    EpollLoops nio = new EpollLoops(1, false);
    try {
      assertThat(EventLoopTransport.of(nio.onServer(false))).isEqualTo("nio");
    } finally {
      nio.close();
    }
  }
}
