package dev.veil.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.id.RandomIds;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import io.netty.handler.codec.http.HttpMethod;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/** Spring Cloud Gateway's Redis rate limiter, one bucket per client address, answering 429 problems. */
@RequiresContainerEngine
@Testcontainers
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "management.server.port=0",
    "veil.gateway.tunnel.port=0",
    "veil.gateway.rate-limit.replenish-rate=1",
    "veil.gateway.rate-limit.burst-capacity=5",
    "veil.gateway.rate-limit.trusted-proxy-hops=1"})
class GatewayRateLimitIT {

  @Container
  @ServiceConnection(name = "redis")
  static final GenericContainer<?> redis = RedisContainers.redis();

  @LocalServerPort
  int port;

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
}
