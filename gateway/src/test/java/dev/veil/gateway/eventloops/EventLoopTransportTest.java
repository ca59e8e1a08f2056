package dev.veil.gateway.eventloops;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.info.Info;
import reactor.netty.resources.LoopResources;

/** The transport is read from real event loop groups, each of its kind, not assumed. */
class EventLoopTransportTest {

  @Test
  void eachGroupIsNamedByTheIoHandlerItsLoopsRun() {
    assertThat(named(NioIoHandler.newFactory())).isEqualTo("nio");
    // Netty's native transports ship for Linux on x86_64 (the gateway's platform); elsewhere NIO.
    boolean linuxX64 = System.getProperty("os.name").equals("Linux")
        && java.util.Set.of("amd64", "x86_64").contains(System.getProperty("os.arch"));
    assertThat(Epoll.isAvailable()).as("epoll: %s", Epoll.unavailabilityCause()).isEqualTo(linuxX64 || Epoll.isAvailable());
    if (Epoll.isAvailable()) {
      assertThat(named(EpollIoHandler.newFactory())).isEqualTo("epoll");
    }
    if (IoUring.isAvailable()) {
      assertThat(named(IoUringIoHandler.newFactory())).isEqualTo("io_uring");
    } else {
      assertThat(IoUring.unavailabilityCause()).isNotNull();
    }
  }

  /** The gateway ships io_uring's native library for the platform it is built and deployed for. */
  @Test
  void theIoUringNativeLibraryShipsWithTheGateway() {
    assertThat(EventLoopTransport.class.getClassLoader()
        .getResource("META-INF/native/libnetty_transport_native_io_uring42_x86_64.so")).isNotNull();
  }

  @Test
  void reactorNettysOwnLoopsAreIoUringWhereAvailableAndSaySoInInfo() {
    LoopResources loops = LoopResources.create("transport-test", 1, true);
    try {
      EventLoopTransport transport = new EventLoopTransport(loops);
      Info.Builder info = new Info.Builder();
      transport.contribute(info);

      assertThat(transport.name()).isEqualTo(IoUring.isAvailable() ? "io_uring" : Epoll.isAvailable() ? "epoll" : "nio");
      assertThat(info.build().getDetails()).containsEntry("eventLoops", java.util.Map.of("transport", transport.name()));
    } finally {
      loops.disposeLater().block();
    }
  }

  private static String named(IoHandlerFactory io) {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, io);
    try {
      return EventLoopTransport.of(group);
    } finally {
      group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
  }
}
