package dev.veil.gateway.eventloops;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;
import reactor.netty.resources.LoopResources;

/**
 * The transport under the gateway's Reactor Netty event loops (its HTTP server and the clients of
 * its data plane), as Reactor Netty chose it: io_uring where the kernel allows it, else epoll, else
 * Java NIO ({@code -Dreactor.netty.native=false} asks for NIO); epoll with
 * {@code veil.gateway.io-uring=false} ({@link EpollLoops}). Read from the server's own event
 * loop group, said once at start (with why io_uring is not used, if it is not) and in
 * {@code /actuator/info} as {@code eventLoops.transport}.
 */
public final class EventLoopTransport implements InfoContributor {

  private static final Logger log = LoggerFactory.getLogger(EventLoopTransport.class);

  private final String name;

  public EventLoopTransport(LoopResources loops) {
    this.name = of(loops.onServer(LoopResources.DEFAULT_NATIVE));
    if (name.equals("io_uring")) {
      log.info("event loops: io_uring");
    } else {
      Throwable cause = IoUring.unavailabilityCause();
      log.info("event loops: {} (io_uring {})", name, cause == null ? "not asked for" : "unavailable: " + cause);
    }
  }

  /** io_uring, epoll or nio: the I/O handler the group's loops run; else the loop's class. */
  static String of(EventLoopGroup group) {
    if (group instanceof IoEventLoopGroup loops) {
      if (loops.isIoType(IoUringIoHandler.class)) {
        return "io_uring";
      }
      if (loops.isIoType(EpollIoHandler.class)) {
        return "epoll";
      }
      if (loops.isIoType(NioIoHandler.class)) {
        return "nio";
      }
    }
    return group.next().getClass().getSimpleName();
  }

  public String name() {
    return name;
  }

  @Override
  public void contribute(Info.Builder builder) {
    builder.withDetail("eventLoops", Map.of("transport", name));
  }
}
