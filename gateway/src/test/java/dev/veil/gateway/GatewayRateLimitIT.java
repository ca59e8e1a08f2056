package dev.veil.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.id.RandomIds;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The per-client rate limit, one bucket per client address in the replica's memory, answering 429
 * problems; each replica its share, as many as the registry's heartbeats say are alive.
 */
@RequiresContainerEngine
@Testcontainers
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "management.server.port=0",
    "veil.gateway.tunnel.port=0",
    "veil.gateway.rate-limit.replenish-rate=1",
    "veil.gateway.rate-limit.burst-capacity=5",
    "veil.gateway.rate-limit.trusted-proxy-hops=1",
    "veil.gateway.tunnel.replica-ttl=3s"})
class GatewayRateLimitIT {

  @Container
  @ServiceConnection(name = "redis")
  static final GenericContainer<?> redis = RedisContainers.redis();

  @LocalServerPort
  int port;

  @org.springframework.beans.factory.annotation.Autowired
  dev.veil.gateway.tunnel.TunnelServer tunnels;

  @org.springframework.beans.factory.annotation.Autowired
  org.springframework.data.redis.core.ReactiveStringRedisTemplate store;

  @org.springframework.beans.factory.annotation.Autowired
  dev.veil.gateway.tunnel.ReplicaIdentity replica;

  @org.springframework.beans.factory.annotation.Autowired
  io.micrometer.core.instrument.MeterRegistry meters;

  @org.springframework.test.context.DynamicPropertySource
  static void hostKey(org.springframework.test.context.DynamicPropertyRegistry properties) throws java.io.IOException {
    java.nio.file.Path key = java.nio.file.Files.createTempDirectory("veil-gateway-").resolve("host.key");
    properties.add("veil.gateway.tunnel.host-key-file", key::toString);
  }

  @Test
  void aClientOverItsBurstGets429ProblemsWhileOthersPassOn() {
    GatewayClient gateway = new GatewayClient(port);
    String unknownName = RandomIds.next() + ".node.localhost";
    List<Integer> statuses = new ArrayList<>();
    GatewayClient.Reply limited = null;
    long started = System.nanoTime();
    for (int i = 0; i < 12; i++) {
      GatewayClient.Reply reply = gateway.exchange(HttpMethod.GET, unknownName, "/", h -> h.set("X-Forwarded-For", "203.0.113.7"), null);
      statuses.add(reply.status());
      limited = reply.status() == 429 ? reply : limited;
    }
    // The burst (5) passes, then one more per second that went by: on a busy machine the loop can
    // take a few seconds, so the count allowed through follows the time it took.
    long seconds = java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started) + 1;
    long passed = statuses.stream().filter(status -> status == 404).count();

    assertThat(statuses.subList(0, 5)).containsOnly(404);
    assertThat(statuses).containsOnly(404, 429);
    assertThat(passed).as("%s in %d s", statuses, seconds).isLessThanOrEqualTo(5 + seconds).isLessThan(12);
    assertThat(limited).isNotNull();
    assertThat(limited.header("Content-Type")).isEqualTo("application/problem+json");
    assertThat(limited.header("Retry-After")).isEqualTo("1");
    assertThat(limited.body()).contains("rate-limited");

    GatewayClient.Reply otherClient = gateway.exchange(HttpMethod.GET, unknownName, "/", h -> h.set("X-Forwarded-For", "198.51.100.9"), null);
    assertThat(otherClient.status()).isEqualTo(404);
  }

  /** The same limit for a node's API reached on the direct path (NodeDataPlane), which skips the filter chain. */
  @Test
  void aNodesApiOnTheDirectPathIsLimitedTheSame() throws Exception {
    reactor.netty.DisposableServer agent = reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0)
        .handle((request, response) -> response.sendString(reactor.core.publisher.Mono.just("agent"))).bindNow();
    try (TestNodes nodes = new TestNodes(tunnels.port(), tunnels.fingerprint(), new java.util.concurrent.ConcurrentHashMap<>())) {
      String host = nodes.connect(agent.port()).id + ".node.localhost";
      GatewayClient gateway = new GatewayClient(port);
      List<Integer> statuses = new ArrayList<>();
      GatewayClient.Reply limited = null;
      for (int i = 0; i < 12; i++) {
        GatewayClient.Reply reply = gateway.exchange(HttpMethod.GET, host, "/node/info", h -> h.set("X-Forwarded-For", "203.0.113.30"), null);
        statuses.add(reply.status());
        limited = reply.status() == 429 ? reply : limited;
      }
      assertThat(statuses.subList(0, 5)).containsOnly(200);
      assertThat(statuses).containsOnly(200, 429).contains(429);
      assertThat(limited.header("Content-Type")).isEqualTo("application/problem+json");
      assertThat(limited.header("Retry-After")).isEqualTo("1");
      assertThat(limited.body()).contains("rate-limited");
      assertThat(gateway.exchange(HttpMethod.GET, host, "/node/info", h -> h.set("X-Forwarded-For", "198.51.100.30"), null).body())
          .isEqualTo("agent");
    } finally {
      agent.disposeNow();
    }
  }

  /**
   * A request another replica passed on with this replica's relay token was limited there, by its
   * client's address: the direct path does not limit it again here (by the relaying replica's
   * address, one bucket for all its clients). A forged token counts for nothing.
   */
  @Test
  void aRequestAnotherReplicaPassedOnIsNotLimitedAgainHere() throws Exception {
    reactor.netty.DisposableServer agent = reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0)
        .handle((request, response) -> response.sendString(reactor.core.publisher.Mono.just(
            "agent relay=" + request.requestHeaders().get("x-veil-relay")))).bindNow();
    try (TestNodes nodes = new TestNodes(tunnels.port(), tunnels.fingerprint(), new java.util.concurrent.ConcurrentHashMap<>())) {
      String host = nodes.connect(agent.port()).id + ".node.localhost";
      String token = store.<String, String>opsForHash()
          .get(dev.veil.gateway.tunnel.TunnelRegistry.REPLICA + replica.id(), "token").block();
      assertThat(token).isNotBlank();
      GatewayClient gateway = new GatewayClient(port);
      double server = RequestTimers.server(meters);
      List<Integer> relayed = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        GatewayClient.Reply reply = gateway.exchange(HttpMethod.GET, host, "/node/info",
            h -> h.set("X-Forwarded-For", "203.0.113.40").set("x-veil-relay", token), null);
        relayed.add(reply.status());
        if (i == 0) {
          assertThat(reply.body()).isEqualTo("agent relay=null");
        }
      }
      assertThat(relayed).containsOnly(200);
      // On the direct path: WebFlux's server timer never saw them (the chain's records a moment after its response).
      Awaitility.await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3))
          .until(() -> RequestTimers.server(meters) == server);

      List<Integer> forged = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        GatewayClient.Reply reply = gateway.exchange(HttpMethod.GET, host, "/node/info",
            h -> h.set("X-Forwarded-For", "203.0.113.41").set("x-veil-relay", "forged-" + token), null);
        forged.add(reply.status());
        if (i == 0) {
          assertThat(reply.body()).as("a forged token never reaches the node").isEqualTo("agent relay=null");
        }
      }
      assertThat(forged.subList(0, 5)).containsOnly(200);
      assertThat(forged).containsOnly(200, 429).contains(429);
    } finally {
      agent.disposeNow();
    }
  }

  @Test
  void withASecondReplicaAliveEachAllowsHalfTheBurst() throws InterruptedException {
    GatewayClient gateway = new GatewayClient(port);
    String unknownName = RandomIds.next() + ".node.localhost";
    String other = "other-replica-" + RandomIds.next();
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
    long passed = -1;
    int client = 0;
    while (System.nanoTime() < deadline && passed != 2) {
      // Another replica's heartbeat, as TunnelRegistry writes it (Redis's clock, milliseconds).
      long now = store.execute(connection -> connection.serverCommands().time()).next().block();
      store.opsForZSet().add(dev.veil.gateway.tunnel.TunnelRegistry.REPLICAS, other, now).block();
      passed = passedOf6(gateway, unknownName, "192.0.2." + (++client));
      Thread.sleep(300);
    }
    // Burst 5 over two replicas: 2 here (the refill, 1/s over two, one token every 2 s, adds none within the loop's few ms).
    assertThat(passed).isEqualTo(2);

    // The other replica gone (its heartbeats lapse), this one takes the whole limit again.
    store.opsForZSet().remove(dev.veil.gateway.tunnel.TunnelRegistry.REPLICAS, other).block();
    deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline && passed != 5) {
      passed = passedOf6(gateway, unknownName, "198.18.0." + (++client));
      Thread.sleep(300);
    }
    assertThat(passed).isEqualTo(5);
  }

  private static long passedOf6(GatewayClient gateway, String host, String address) {
    long passed = 0;
    for (int i = 0; i < 6; i++) {
      if (gateway.exchange(HttpMethod.GET, host, "/", h -> h.set("X-Forwarded-For", address), null).status() == 404) {
        passed++;
      }
    }
    return passed;
  }
}
