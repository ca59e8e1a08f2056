package dev.veil.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.LoggerContext;
import dev.veil.gateway.tunnel.TunnelServer;
import dev.veil.model.id.RandomIds;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpMethod;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The gateway on a real port with a real Redis registry, nodes dialing its tunnel port with the
 * agent's own client, in front of real servers on loopback.
 */
@RequiresContainerEngine
@Testcontainers
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "management.server.port=0",
    // Long enough for 48 MiB up through a tunnel on a busy 2-core machine; the hanging agent waits it out.
    "veil.gateway.nodes.response-timeout=10s",
    "veil.gateway.nodes.api-response-timeout=10s",
    "veil.gateway.nodes.max-request-body=64MB",
    // The stand-in agent takes uploads, so its API gets the services' limit here.
    "veil.gateway.nodes.max-api-request-body=64MB",
    // Every path reaches the stand-in agent here; the agent API allow-list is TunnelIT's.
    "veil.gateway.nodes.api-paths=/",
    "veil.gateway.tunnel.port=0",
    "veil.gateway.rate-limit.replenish-rate=100000",
    "veil.gateway.rate-limit.burst-capacity=100000"})
class GatewayIT {

  static final String DOMAIN = "node.localhost";

  @Container
  @ServiceConnection(name = "redis")
  static final GenericContainer<?> redis = RedisContainers.redis();

  static Upstreams upstreams;

  @LocalServerPort
  int port;

  @Autowired
  MeterRegistry meters;

  @Autowired
  TunnelServer tunnels;

  GatewayClient gateway;
  TestNodes nodes;
  TestNodes.TestNode node;
  String nodeId;

  @DynamicPropertySource
  static void upstreamApis(DynamicPropertyRegistry properties) throws IOException {
    upstreams = new Upstreams();
    upstreams.standIn(properties);
  }

  @AfterAll
  static void close() throws IOException {
    upstreams.close();
  }

  @BeforeEach
  void connectNode() {
    gateway = new GatewayClient(port);
    nodes = new TestNodes(tunnels.port(), tunnels.fingerprint(), upstreams.runningJobs);
    node = nodes.connect(upstreams.agent.port());
    nodeId = node.id;
  }

  @AfterEach
  void disconnect() throws Exception {
    nodes.close();
  }

  @Test
  void nodeNameReachesItsAgentWithPathHeadersAndBodyUnchanged() {
    String body = "{\"jobDefinition\": {\"ops\": []}}";
    GatewayClient.Reply reply = gateway.exchange(HttpMethod.POST, nodeId + "." + DOMAIN + ":8080",
        "/job-definition/Job123?x=1%202",
        headers -> headers.set("x-session-id", "s3ss10n").set("Content-Type", "application/json"),
        Mono.just(Unpooled.copiedBuffer(body, StandardCharsets.UTF_8)));

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body()).isEqualTo("agent POST /job-definition/Job123?x=1%202 session=s3ss10n hop=null connection=null body=" + body + " receipt=null");
  }

  @Test
  void logEventsAreCountedByLevelWithoutATurboFilterOnEveryLevelCheck() {
    LoggerContext logging = (LoggerContext) LoggerFactory.getILoggerFactory();
    assertThat(logging.getTurboFilterList()).isEmpty();
    double before = meters.get("logback.events").tag("level", "warn").counter().count();
    LoggerFactory.getLogger(GatewayIT.class).warn("counted");
    // At least: another thread may warn meanwhile.
    assertThat(meters.get("logback.events").tag("level", "warn").counter().count()).isGreaterThanOrEqualTo(before + 1);
  }

  @Test
  void hostWithAndWithoutPortRouteTheSame() {
    assertThat(gateway.get(nodeId + "." + DOMAIN, "/node/info").body()).startsWith("agent GET /node/info");
    assertThat(gateway.get(nodeId + "." + DOMAIN + ":8080", "/node/info").body()).startsWith("agent GET /node/info");
    assertThat(gateway.get(nodeId + ".NODE.LocalHost.", "/node/info").body()).startsWith("agent GET /node/info");
  }

  @Test
  void hopByHopHeadersAreStrippedEndToEndOnesKept() {
    GatewayClient.Reply reply = gateway.exchange(HttpMethod.GET, nodeId + "." + DOMAIN, "/x",
        headers -> headers.set("Connection", "keep-alive, x-hop-secret").set("x-hop-secret", "1")
            .set("x-session-id", "kept"), null);

    assertThat(reply.body()).contains("session=kept").contains("hop=null");
  }

  @Test
  void serviceNameReachesItsUpstreamOverHttpAndWebSocket() {
    String serviceId = node.exposePrivate(upstreams.service.port());

    assertThat(gateway.get(serviceId + "." + DOMAIN + ":8080", "/").body()).isEqualTo("hello from the service");

    List<String> echoed = gateway.http()
        .headers(h -> h.set("Host", serviceId + "." + DOMAIN))
        .websocket()
        .uri("ws://127.0.0.1:" + port + "/ws")
        .handle((in, out) -> out.sendString(Flux.just("one", "two"))
            .then()
            .thenMany(in.receive().asString().take(2)))
        .collectList()
        .block(Duration.ofSeconds(20));
    assertThat(echoed).containsExactly("echo:one", "echo:two");
  }

  @Test
  void unknownNamesAre404ProblemsAndReachNothing() {
    GatewayClient.Reply reply = gateway.get(RandomIds.next() + "." + DOMAIN, "/job-result/x");

    assertThat(reply.status()).isEqualTo(404);
    assertThat(reply.header("Content-Type")).isEqualTo("application/problem+json");
    assertThat(reply.body()).contains("\"type\":\"https://veil.dev/problems/not-found\"");
    assertThat(gateway.get("not-an-id." + DOMAIN, "/").status()).isEqualTo(404);
    assertThat(gateway.get("a." + nodeId + "." + DOMAIN, "/").status()).isEqualTo(404);
    assertThat(upstreams.secretHits.get()).isZero();
  }

  @Test
  void withdrawnServiceStopsAnsweringAtOnceEvenWhenCached() {
    String serviceId = node.exposePrivate(upstreams.service.port());
    assertThat(gateway.get(serviceId + "." + DOMAIN, "/").status()).isEqualTo(200);
    assertThat(gateway.get(serviceId + "." + DOMAIN, "/").status()).isEqualTo(200);

    node.withdraw(serviceId);

    // The cache keeps entries for 5 s; only the withdrawal announcement, delivered within
    // milliseconds, can make this 404 within the second allowed here.
    Awaitility.await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10))
        .until(() -> gateway.get(serviceId + "." + DOMAIN, "/").status() == 404);
    GatewayClient.Reply after = gateway.get(serviceId + "." + DOMAIN, "/");
    assertThat(after.status()).isEqualTo(404);
    assertThat(after.body()).isEqualTo(gateway.get(RandomIds.next() + "." + DOMAIN, "/").body());
  }

  @Test
  void newlyRegisteredNameWorksAtOnceAfterAMiss() {
    String serviceId = RandomIds.next();
    assertThat(gateway.get(serviceId + "." + DOMAIN, "/").status()).isEqualTo(404);

    node.exposePrivate(serviceId, upstreams.service.port());

    // The miss is cached for 5 s; the registration's announcement ends it within the second allowed here.
    Awaitility.await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10))
        .until(() -> gateway.get(serviceId + "." + DOMAIN, "/").status() == 200);
  }

  @Test
  void aNodeCannotBeShadowedByAServiceOfTheSameId() {
    // Another node tries to name a service after this node: refused, and the node keeps its name.
    TestNodes.TestNode rogue = nodes.connect(upstreams.secret.port());
    assertThatThrownBy(() -> rogue.exposePrivate(nodeId, upstreams.secret.port())).isInstanceOf(UncheckedIOException.class);

    assertThat(gateway.get(nodeId + "." + DOMAIN, "/").body()).startsWith("agent GET /");
    assertThat(upstreams.secretHits.get()).isZero();
  }

  @Test
  void publicApisAreOnTheBareDomainWithPathsUnchanged() {
    assertThat(gateway.get("localhost:8080", "/v1/sessions/current").body())
        .startsWith("agent GET /v1/sessions/current");
    assertThat(gateway.get("localhost", "/v1/challenges").body()).startsWith("agent GET /v1/challenges");
    assertThat(gateway.get("localhost", "/v1/jobs/abc").status()).isEqualTo(404); // the service stand-in has no such path
    GatewayClient.Reply unrouted = gateway.get("localhost", "/internal/anything");
    assertThat(unrouted.status()).isEqualTo(404);
    assertThat(unrouted.header("Content-Type")).isEqualTo("application/problem+json");
  }

  @Test
  void craftedHostsAndAbsoluteUrisNeverReachUnregisteredAddresses() throws IOException {
    int secret = upstreams.secret.port();
    assertThat(gateway.get("127.0.0.1:" + secret, "/").status()).isEqualTo(404);
    assertThat(gateway.get("127.0.0.1:" + secret + "." + DOMAIN, "/").status()).isIn(400, 404);
    assertThat(gateway.get("localhost", "/").status()).isEqualTo(404);
    GatewayClient.Reply forwarded = gateway.exchange(HttpMethod.GET, "localhost", "/v1/x",
        headers -> headers.set("X-Forwarded-Host", "127.0.0.1:" + secret).set("Forwarded", "host=127.0.0.1:" + secret), null);
    assertThat(forwarded.status()).isEqualTo(404);

    // An absolute URI names the secret server; only the registered agent may answer, with its own path.
    assertThat(gateway.raw("GET http://127.0.0.1:" + secret + "/x HTTP/1.1\r\nHost: " + nodeId + "." + DOMAIN
        + "\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 200");
    assertThat(gateway.raw("GET http://127.0.0.1:" + secret + "/x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"))
        .startsWith("HTTP/1.1 404");
    assertThat(gateway.raw("GET / HTTP/1.1\r\nHost: " + nodeId + "." + DOMAIN + "@127.0.0.1:" + secret
        + "\r\nConnection: close\r\n\r\n")).matches("HTTP/1.1 (400|404).*");
    assertThat(gateway.raw("GET / HTTP/1.1\r\nHost: 127.0.0.1:" + secret + "#." + DOMAIN
        + "\r\nConnection: close\r\n\r\n")).matches("HTTP/1.1 (400|404).*");
    assertThat(upstreams.secretHits.get()).isZero();
  }

  @Test
  void downAgentIs502Problem() {
    // Its tunnel is open, but nothing listens where its API forward delivers.
    String downNode = nodes.connect(RedisContainers.freePort()).id;

    GatewayClient.Reply reply = gateway.get(downNode + "." + DOMAIN, "/job-result/x");

    assertThat(reply.status()).isEqualTo(502);
    assertThat(reply.header("Content-Type")).isEqualTo("application/problem+json");
    assertThat(reply.body()).contains("upstream-unreachable");
  }

  @Test
  void hangingAgentIs504ProblemAfterTheResponseTimeout() {
    // A result read, through the filter chain; DirectPathIT has the direct path's (a shorter timeout).
    String slowNode = nodes.connect(upstreams.hanging.port()).id;

    GatewayClient.Reply reply = gateway.get(slowNode + "." + DOMAIN, "/job-result/x");

    assertThat(reply.status()).isEqualTo(504);
    assertThat(reply.header("Content-Type")).isEqualTo("application/problem+json");
    assertThat(reply.body()).contains("upstream-timeout");
  }

  @Test
  void largeBodiesStreamBothWays() {
    MessageDigest sent = Upstreams.sha256();
    int mib = 48;
    Flux<ByteBuf> upload = Flux.range(0, mib).map(i -> {
      byte[] block = new byte[Upstreams.MIB];
      java.util.Arrays.fill(block, (byte) (i * 7));
      sent.update(block);
      return Unpooled.wrappedBuffer(block);
    });
    GatewayClient.Reply uploaded = gateway.exchange(HttpMethod.POST, nodeId + "." + DOMAIN, "/upload", headers -> {}, upload);
    assertThat(uploaded.body()).isEqualTo((long) mib * Upstreams.MIB + " " + HexFormat.of().formatHex(sent.digest()));

    String serviceId = node.exposePrivate(upstreams.service.port());
    AtomicLong received = new AtomicLong();
    Integer status = gateway.http().headers(h -> h.set("Host", serviceId + "." + DOMAIN))
        .get().uri("http://127.0.0.1:" + port + "/big/96")
        .response((response, body) -> body.doOnNext(buf -> received.addAndGet(buf.readableBytes()))
            .then(Mono.just(response.status().code())))
        .blockLast(Duration.ofSeconds(60));
    assertThat(status).isEqualTo(200);
    assertThat(received.get()).isEqualTo(96L * Upstreams.MIB);
  }

  @Test
  void bodiesOverTheLimitAre413AndNeverForwardedWhole() throws IOException {
    assertThat(gateway.raw("POST /upload HTTP/1.1\r\nHost: " + nodeId + "." + DOMAIN
        + "\r\nContent-Length: " + (65L * Upstreams.MIB) + "\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 413");

    upstreams.lastUploadBytes.set(-1);
    Flux<ByteBuf> chunked = Flux.range(0, 80).map(i -> Unpooled.wrappedBuffer(new byte[Upstreams.MIB]));
    GatewayClient.Reply reply;
    try {
      reply = gateway.exchange(HttpMethod.POST, nodeId + "." + DOMAIN, "/upload", headers -> {}, chunked);
      assertThat(reply.status()).isEqualTo(413);
    } catch (RuntimeException connectionCut) {
      // The gateway may cut the connection mid-upload instead; either way the agent never got it all.
    }
    assertThat(upstreams.lastUploadBytes.get()).isLessThanOrEqualTo(64L * Upstreams.MIB);
  }

  @Test
  void accessLogRedactsPrivateServiceIdsAndSessionIds(CapturedOutput output) {
    String serviceId = RandomIds.next();
    String sessionId = RandomIds.next();
    node.exposePrivate(serviceId, upstreams.service.port());
    gateway.exchange(HttpMethod.GET, serviceId + "." + DOMAIN, "/?token=q", h -> h.set("x-session-id", sessionId), null);
    gateway.exchange(HttpMethod.GET, nodeId + "." + DOMAIN, "/job-result/J1?k=v", h -> h.set("x-session-id", sessionId), null);

    // The access log is written asynchronously.
    Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      assertThat(output.getAll()).contains("GET " + nodeId + "." + DOMAIN + " /job-result/J1 route=node status=200");
      assertThat(output.getAll()).contains("GET <redacted>." + DOMAIN + " <redacted> route=service status=200");
    });
    assertThat(output.getAll()).doesNotContain(serviceId).doesNotContain(sessionId).doesNotContain("k=v");
  }

  @Test
  void perRouteLatencyAndStatusesAreMeasured() {
    gateway.get(nodeId + "." + DOMAIN, "/metered");
    // Through the chain (a result read), so WebFlux's own timer has a request of this test's.
    gateway.get(nodeId + "." + DOMAIN, "/job-result/metered");
    // A method a client made up is not a timer of its own.
    gateway.exchange(HttpMethod.valueOf("BREW"), nodeId + "." + DOMAIN, "/metered", h -> { }, null);
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() ->
        meters.find("spring.cloud.gateway.requests").tag("routeId", "node").tag("httpMethod", "OTHER").timer() != null);

    assertThat(meters.find("spring.cloud.gateway.requests").tag("routeId", "node").tag("status", "OK").timer())
        .isNotNull()
        .satisfies(timer -> assertThat(timer.count()).isPositive());
    // The server's own timer stays with Spring Cloud Gateway's Observation layer off.
    assertThat(meters.find("http.server.requests").timers()).isNotEmpty();
    assertThat(meters.find("spring.cloud.gateway.requests").tag("routeId", "node").tag("httpMethod", "OTHER").timer())
        .isNotNull();
    assertThat(meters.find("spring.cloud.gateway.requests").timers())
        .extracting(timer -> timer.getId().getTag("httpMethod"))
        .doesNotContain("BREW");
    // The direct path and the chain time a route as one series: the same tags.
    assertThat(meters.find("spring.cloud.gateway.requests").tag("routeId", "node").timers())
        .extracting(timer -> timer.getId().getTag("routeUri")).containsOnly("http://registry.invalid:80");
  }

  /**
   * A node's API and an open service, the common case, are served outside Spring Cloud Gateway's
   * filter chain (NodeDataPlane): WebFlux's server timer never sees them, the route timer does.
   * A node's result read still takes the chain (it carries a delivery receipt).
   */
  @Test
  void theCommonCaseIsServedOutsideTheFilterChainAndStillTimedByRoute() {
    String serviceId = node.exposePrivate(upstreams.service.port());
    double chainBefore = RequestTimers.server(meters);
    double nodeBefore = RequestTimers.route(meters, "node");
    double serviceBefore = RequestTimers.route(meters, "service");

    assertThat(gateway.get(nodeId + "." + DOMAIN, "/node/info").status()).isEqualTo(200);
    assertThat(gateway.get(serviceId + "." + DOMAIN, "/").body()).isEqualTo("hello from the service");

    // Timers are recorded as a response completes, which the client may see a moment before.
    Awaitility.await().atMost(Duration.ofSeconds(5))
        .until(() -> RequestTimers.route(meters, "node") == nodeBefore + 1 && RequestTimers.route(meters, "service") == serviceBefore + 1);
    assertThat(RequestTimers.server(meters)).isEqualTo(chainBefore);

    assertThat(gateway.get(nodeId + "." + DOMAIN, "/job-result/J1").status()).isEqualTo(200);
    Awaitility.await().atMost(Duration.ofSeconds(5))
        .until(() -> RequestTimers.server(meters) == chainBefore + 1 && RequestTimers.route(meters, "node") == nodeBefore + 2);
  }

  /**
   * What reaches the agent is the same on both paths: the client's own headers, less hop-by-hop
   * and forwarding ones (no trusted proxies are set) and a receipt request of its own, with the
   * forward's Host — compared header by header with a result read, which takes the chain.
   */
  @Test
  void theAgentSeesTheSameHeadersOnTheDirectPathAsThroughTheChain() {
    java.util.function.Consumer<io.netty.handler.codec.http.HttpHeaders> sent = h -> h
        .set("x-session-id", "s-1").set("Cookie", "a=b").set("Accept", "application/json").set("X-Custom", "kept")
        .set("X-Forwarded-For", "203.0.113.9").set("X-Forwarded-Host", "evil.example").set("Forwarded", "for=203.0.113.9")
        .set("x-veil-receipt", "requested").set("TE", "trailers").set("Keep-Alive", "timeout=5")
        .set("Proxy-Authorization", "Basic eDp4").set("Trailer", "x");
    GatewayClient.Reply direct = gateway.exchange(HttpMethod.GET, nodeId + "." + DOMAIN, "/job/echo-headers", sent, null);
    GatewayClient.Reply chain = gateway.exchange(HttpMethod.GET, nodeId + "." + DOMAIN, "/job-result/echo-headers", sent, null);
    assertThat(direct.status()).isEqualTo(200);
    assertThat(chain.status()).isEqualTo(200);

    java.util.List<String> directLines = java.util.List.of(direct.body().split("\n"));
    // The chain asks a result read for a receipt; the rest must match line for line.
    java.util.List<String> chainLines = java.util.Arrays.stream(chain.body().split("\n"))
        .filter(line -> !line.equals("x-veil-receipt: requested")).toList();
    assertThat(directLines).containsExactlyElementsOf(chainLines);
    assertThat(directLines).contains("x-session-id: s-1", "cookie: a=b", "x-custom: kept")
        .anyMatch(line -> line.startsWith("host: 127.0.0.1:"))
        .noneMatch(line -> line.startsWith("x-forwarded") || line.startsWith("forwarded") || line.startsWith("x-veil-receipt")
            || line.startsWith("te:") || line.startsWith("keep-alive") || line.startsWith("proxy-authorization")
            || line.startsWith("trailer"));
  }
}
