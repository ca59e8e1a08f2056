package dev.veil.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.gateway.eventloops.EventLoopTransport;
import dev.veil.gateway.tunnel.TunnelServer;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import io.netty.channel.uring.IoUring;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * {@code veil.gateway.io-uring=false}: the gateway's server and its clients run on epoll even where
 * io_uring is allowed (as it is for the rest of this JVM: the test's own agent stub runs on Reactor
 * Netty's global loops), and a node is reached through them as before.
 */
@RequiresContainerEngine
@Testcontainers
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "management.server.port=0",
    "veil.gateway.tunnel.port=0",
    "veil.gateway.io-uring=false"})
class EpollEventLoopsIT {

  @Container
  @ServiceConnection(name = "redis")
  static final GenericContainer<?> redis = RedisContainers.redis();

  @LocalServerPort
  int port;

  @Autowired
  TunnelServer tunnels;

  @Autowired
  EventLoopTransport transport;

  @DynamicPropertySource
  static void hostKey(DynamicPropertyRegistry properties) throws IOException {
    Path key = Files.createTempDirectory("veil-gateway-").resolve("host.key");
    properties.add("veil.gateway.tunnel.host-key-file", key::toString);
  }

  @Test
  void theServerAndItsClientsRunOnEpollAndStillReachANode() throws Exception {
    DisposableServer agent = HttpServer.create().host("127.0.0.1").port(0)
        .handle((request, response) -> response.sendString(Mono.just("ok")))
        .bindNow();
    try (TestNodes nodes = new TestNodes(tunnels.port(), tunnels.fingerprint(), new ConcurrentHashMap<>())) {
      String node = nodes.connect(agent.port()).id + ".node.localhost";

      GatewayClient.Reply reply = new GatewayClient(port).get(node, "/job-logs/j1");

      assertThat(reply.status()).isEqualTo(200);
      assertThat(reply.body()).isEqualTo("ok");
      assertThat(transport.name()).isEqualTo("epoll");
      // The gateway's own loops, threads Reactor will not let block (as Reactor Netty's own are).
      assertThat(Thread.getAllStackTraces().keySet()).filteredOn(thread -> thread.getName().startsWith("reactor-http-epoll-"))
          .isNotEmpty().allMatch(thread -> thread instanceof reactor.core.scheduler.NonBlocking);
      if (IoUring.isAvailable()) {
        // The rest of the JVM is on io_uring: the epoll loops are the gateway's own.
        assertThat(Thread.getAllStackTraces().keySet()).map(Thread::getName)
            .anyMatch(name -> name.startsWith("reactor-http-io_uring-"));
      }
    } finally {
      agent.disposeNow();
    }
  }
}
