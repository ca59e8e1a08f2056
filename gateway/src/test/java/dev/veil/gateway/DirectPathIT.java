package dev.veil.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.gateway.tunnel.TunnelServer;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import dev.veil.testsupport.SilentServer;
import io.netty.handler.codec.http.HttpMethod;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The direct path (NodeDataPlane) where it answers for itself: with a short response timeout, it
 * bounds the wait for a response's headers, never a body's pace (a live log may be quiet for long),
 * as through the filter chain; an agent's hop-by-hop headers; an upstream's bad status or early close
 * (502 problem); what it leaves to the chain (CORS preflights, targets WebFlux cannot read); and that
 * the management port is no way in.
 */
@RequiresContainerEngine
@Testcontainers
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "veil.gateway.tunnel.port=0",
    "veil.gateway.nodes.api-response-timeout=2s"})
class DirectPathIT {

  private static final Duration QUIET = Duration.ofMillis(2500);

  @Container
  @ServiceConnection(name = "redis")
  static final GenericContainer<?> redis = RedisContainers.redis();

  @DynamicPropertySource
  static void hostKey(DynamicPropertyRegistry properties) throws IOException {
    String key = Files.createTempDirectory("veil-gateway-").resolve("host.key").toString();
    properties.add("veil.gateway.tunnel.host-key-file", () -> key);
    // A fixed management port, as deployed (8089): Spring Cloud Gateway's handler mapping declines
    // requests arriving on it only when it knows its number (with 0 it would not, unlike production).
    try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      int management = free.getLocalPort();
      properties.add("management.server.port", () -> management);
      properties.add("management.server.address", () -> "127.0.0.1");
    }
  }

  @LocalServerPort
  int port;

  @LocalManagementPort
  int managementPort;

  @Autowired
  TunnelServer tunnels;

  @Autowired
  io.micrometer.core.instrument.MeterRegistry meters;

  final AtomicInteger agentRequests = new AtomicInteger();
  DisposableServer agent;
  SilentServer silent;
  TestNodes nodes;
  GatewayClient gateway;

  @BeforeEach
  void start() throws IOException {
    // Headers and a first line at once, then lines each after a pause longer than the timeout.
    agent = HttpServer.create().host("127.0.0.1").port(0)
        .handle((request, response) -> {
          agentRequests.incrementAndGet();
          return response.header("Content-Type", "text/event-stream")
              .sendString(Flux.concat(Mono.just("a\n"), Mono.delay(QUIET).map(t -> "b\n"), Mono.delay(QUIET).map(t -> "c\n")));
        })
        .bindNow();
    silent = new SilentServer();
    nodes = new TestNodes(tunnels.port(), tunnels.fingerprint(), new ConcurrentHashMap<>());
    gateway = new GatewayClient(port);
  }

  @AfterEach
  void stop() throws Exception {
    nodes.close();
    agent.disposeNow();
    silent.close();
  }

  @Test
  void aBodyQuieterThanTheResponseTimeoutStillComesWhole() {
    String node = nodes.connect(agent.port()).id + ".node.localhost";

    GatewayClient.Reply reply = gateway.get(node, "/job-logs/j1");

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body()).isEqualTo("a\nb\nc\n");
  }

  /** An agent's hop-by-hop headers, in whatever case it writes them, and a receipt token never reach the client. */
  @Test
  void anAgentsHopByHopHeadersInAnyCaseStopHere() {
    DisposableServer chatty = HttpServer.create().host("127.0.0.1").port(0)
        .handle((request, response) -> response.header("Connection", "X-Secret-HOP").header("x-SECRET-hop", "1")
            .header("KEEP-ALIVE", "timeout=5").header("proxy-authenticate", "Basic").header("X-Application-Context", "agent")
            .header("X-Veil-Receipt-Token", "t").header("X-Kept", "yes").sendString(Mono.just("ok")))
        .bindNow();
    try {
      String node = nodes.connect(chatty.port()).id + ".node.localhost";

      GatewayClient.Reply reply = gateway.get(node, "/job-logs/j1");

      assertThat(reply.status()).isEqualTo(200);
      assertThat(reply.header("X-Kept")).isEqualTo("yes");
      for (String gone : List.of("x-secret-hop", "keep-alive", "proxy-authenticate", "x-application-context", "x-veil-receipt-token")) {
        assertThat(reply.header(gone)).as(gone).isNull();
      }
    } finally {
      chatty.disposeNow();
    }
  }

  @Test
  void noHeadersWithinTheResponseTimeoutIs504Problem() {
    String node = nodes.connect(silent.port()).id + ".node.localhost";

    GatewayClient.Reply reply = gateway.get(node, "/job-logs/j1");

    assertThat(reply.status()).isEqualTo(504);
    assertThat(reply.header("Content-Type")).isEqualTo("application/problem+json");
    assertThat(reply.body()).contains("upstream-timeout");
  }

  /**
   * A status line no HTTP answer has (42): 502 problem, and the upstream connection is closed, not
   * left checked out of the pool with nobody to read it (the upstream sees its end).
   */
  @Test
  void anOutOfRangeStatusIs502AndItsConnectionIsNotKept() throws Exception {
    AtomicInteger ended = new AtomicInteger();
    try (java.net.ServerSocket odd = rawAgent("HTTP/1.1 42 Odd\r\nContent-Length: 2\r\n\r\nok", true, ended)) {
      String node = nodes.connect(odd.getLocalPort()).id + ".node.localhost";

      GatewayClient.Reply reply = gateway.get(node, "/job-logs/j1");

      assertThat(reply.status()).isEqualTo(502);
      assertThat(reply.header("Content-Type")).isEqualTo("application/problem+json");
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ended.get() == 1);
    }
  }

  /**
   * A request target WebFlux cannot read as a URI ("|" unescaped): refused with 400 as WebFlux
   * always refused it, never proxied to the node as it came.
   */
  @Test
  void aTargetWebFluxCannotReadIsRefusedNeverProxied() throws IOException {
    String node = nodes.connect(agent.port()).id + ".node.localhost";
    // A well-formed target first: the node is reachable this way.
    assertThat(gateway.get(node, "/job-logs/j1").status()).isEqualTo(200);
    int reached = agentRequests.get();

    try (java.net.Socket socket = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(("GET /job-logs/j1|x HTTP/1.1\r\nHost: " + node + "\r\nConnection: close\r\n\r\n")
          .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      String statusLine = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
          java.nio.charset.StandardCharsets.ISO_8859_1)).readLine();

      assertThat(statusLine).startsWith("HTTP/1.1 400");
    }
    assertThat(agentRequests.get()).isEqualTo(reached);
  }

  /**
   * An upstream that closes after its headers, before any body: 502 problem, as through the chain
   * (nothing was sent to the client yet), not its 200 cut short.
   */
  @Test
  void anUpstreamClosingBeforeItsBodyIs502Problem() throws Exception {
    try (java.net.ServerSocket curt = rawAgent("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", false, new AtomicInteger())) {
      String node = nodes.connect(curt.getLocalPort()).id + ".node.localhost";

      GatewayClient.Reply reply = gateway.get(node, "/job-logs/j1");

      assertThat(reply.status()).isEqualTo(502);
      assertThat(reply.header("Content-Type")).isEqualTo("application/problem+json");
      assertThat(reply.body()).contains("upstream-unreachable");
    }
  }

  /**
   * A client that leaves while the upstream has answered its headers but not yet its body: the
   * gateway lets the upstream go (its answer is cancelled, not left running with no one to read it),
   * logs no error for an ordinary disconnect (operators alert on errors), and serves the next client.
   * (The narrower race, the body's first buffer arriving as the client's close is handled on another
   * event loop, is NodeDataPlaneRelayTest's.)
   */
  @Test
  void aClientLeavingAfterTheUpstreamsHeadersLetsTheUpstreamGoAndLogsNoError() throws Exception {
    java.util.concurrent.CountDownLatch asked = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicReference<reactor.core.publisher.SignalType> upstreamEnded =
        new java.util.concurrent.atomic.AtomicReference<>();
    DisposableServer slow = HttpServer.create().host("127.0.0.1").port(0)
        .handle((request, response) -> {
          asked.countDown();
          // A Flux body: the headers go at once, the body 5 s later.
          return response.header("Content-Type", "text/plain")
              .sendString(Mono.delay(Duration.ofSeconds(5)).map(t -> "late").flux()
                  .doFinally(signal -> {
                    upstreamEnded.set(signal);
                    ended.countDown();
                  }));
        })
        .bindNow();
    try {
      String node = nodes.connect(slow.port()).id + ".node.localhost";
      double errors = errorsLogged();
      try (java.net.Socket client = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
        client.getOutputStream().write(("GET /job-logs/j1 HTTP/1.1\r\nHost: " + node + "\r\n\r\n")
            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertThat(asked.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        Thread.sleep(300);
      }

      assertThat(ended.await(4, java.util.concurrent.TimeUnit.SECONDS)).as("the upstream let go before its body").isTrue();
      assertThat(upstreamEnded).hasValue(reactor.core.publisher.SignalType.CANCEL);
      assertThat(gateway.get(nodes.connect(agent.port()).id + ".node.localhost", "/job-logs/j1").status()).isEqualTo(200);
      assertThat(errorsLogged()).isEqualTo(errors);
    } finally {
      slow.disposeNow();
    }
  }

  private double errorsLogged() {
    return meters.get("logback.events").tag("level", "error").counter().count();
  }

  /**
   * The event loops run on io_uring where the kernel allows it (else epoll): /actuator/info says
   * which, read from the server's own loop group (EventLoopTransport), after a node was reached.
   */
  @Test
  void theEventLoopsRunOnIoUringWhereTheKernelAllowsIt() {
    String expected = io.netty.channel.uring.IoUring.isAvailable() ? "io_uring"
        : io.netty.channel.epoll.Epoll.isAvailable() ? "epoll" : "nio";
    String node = nodes.connect(agent.port()).id + ".node.localhost";
    assertThat(gateway.get(node, "/job-logs/j1").status()).isEqualTo(200);

    GatewayClient.Reply info = new GatewayClient(managementPort).get("localhost", "/actuator/info");

    assertThat(info.status()).isEqualTo(200);
    assertThat(info.body()).contains("\"eventLoops\":{\"transport\":\"" + expected + "\"}");
  }

  /** The management port is no way in to a node: it never proxies, whatever the Host. */
  @Test
  void theManagementPortNeverProxiesToANode() throws IOException {
    String node = nodes.connect(agent.port()).id + ".node.localhost";
    assertThat(gateway.get(node, "/job-logs/j1").status()).isEqualTo(200);
    int reached = agentRequests.get();

    GatewayClient.Reply reply = new GatewayClient(managementPort).get(node, "/job-logs/j1");

    assertThat(reply.status()).isEqualTo(404);
    assertThat(agentRequests.get()).isEqualTo(reached);
  }

  @Test
  void aCorsPreflightIsAnsweredByTheGatewayNeverAHost() {
    String node = nodes.connect(agent.port()).id + ".node.localhost";

    GatewayClient.Reply reply = gateway.exchange(HttpMethod.OPTIONS, node, "/job-logs/j1",
        h -> h.set("Origin", "https://example.org").set("Access-Control-Request-Method", "GET"), null);

    assertThat(reply.status()).isEqualTo(200);
    assertThat(agentRequests.get()).isZero();
  }

  /**
   * An agent on a raw socket: for each connection, reads the request's head and writes
   * {@code answer} as it is; then, if {@code linger}, reads until the gateway lets the connection
   * go, else closes it. {@code ended} counts the connections that ended.
   */
  private static java.net.ServerSocket rawAgent(String answer, boolean linger, AtomicInteger ended) throws IOException {
    java.net.ServerSocket socket = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    Thread server = new Thread(() -> {
      while (!socket.isClosed()) {
        try (java.net.Socket connection = socket.accept()) {
          java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(connection.getInputStream(),
              java.nio.charset.StandardCharsets.ISO_8859_1));
          for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
            // the request's head
          }
          connection.getOutputStream().write(answer.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
          connection.getOutputStream().flush();
          while (linger && in.read() >= 0) {
            // until the gateway lets the connection go
          }
          ended.incrementAndGet();
        } catch (IOException closed) {
          ended.incrementAndGet();
        }
      }
    }, "raw-agent");
    server.setDaemon(true);
    server.start();
    return socket;
  }
}
