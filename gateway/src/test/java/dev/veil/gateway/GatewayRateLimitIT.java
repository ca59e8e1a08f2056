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
    "veil.gateway.rate-limit.replenish-rate=1",
    "veil.gateway.rate-limit.burst-capacity=5",
    "veil.gateway.rate-limit.trusted-proxy-hops=1"})
class GatewayRateLimitIT {

  @Container
  @ServiceConnection(name = "redis")
  static final GenericContainer<?> redis = RedisContainers.redis();

  @LocalServerPort
  int port;

  @Test
  void aClientOverItsBurstGets429ProblemsWhileOthersPassOn() {
    GatewayClient gateway = new GatewayClient(port);
    String unknownName = RandomIds.next() + ".node.localhost";
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      statuses.add(gateway.exchange(HttpMethod.GET, unknownName, "/", h -> h.set("X-Forwarded-For", "203.0.113.7"), null).status());
    }

    assertThat(statuses.subList(0, 5)).containsOnly(404);
    assertThat(statuses.subList(6, 12)).containsOnly(429);
    GatewayClient.Reply limited = gateway.exchange(HttpMethod.GET, unknownName, "/", h -> h.set("X-Forwarded-For", "203.0.113.7"), null);
    assertThat(limited.header("Content-Type")).isEqualTo("application/problem+json");
    assertThat(limited.header("Retry-After")).isEqualTo("1");
    assertThat(limited.body()).contains("rate-limited");

    GatewayClient.Reply otherClient = gateway.exchange(HttpMethod.GET, unknownName, "/", h -> h.set("X-Forwarded-For", "198.51.100.9"), null);
    assertThat(otherClient.status()).isEqualTo(404);
  }
}
