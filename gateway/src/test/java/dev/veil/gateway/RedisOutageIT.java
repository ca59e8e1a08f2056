package dev.veil.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.id.RandomIds;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * Redis stopped under a running gateway: a name it cannot look up is a 503 problem, never a 404
 * (it may exist) nor a 500; health says DOWN; once Redis is back the gateway routes again,
 * without a restart.
 */
@RequiresContainerEngine
@Testcontainers
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "management.server.port=0", "veil.gateway.tunnel.port=0"})
class RedisOutageIT {

  static final int REDIS_PORT = RedisContainers.freePort();

  @Container
  static final GenericContainer<?> redis = RedisContainers.redisOnHostPort(REDIS_PORT);

  @DynamicPropertySource
  static void stores(DynamicPropertyRegistry registry) throws java.io.IOException {
    registry.add("spring.data.redis.url", () -> "redis://localhost:" + REDIS_PORT);
    java.nio.file.Path key = java.nio.file.Files.createTempDirectory("veil-gateway-").resolve("host.key");
    registry.add("veil.gateway.tunnel.host-key-file", key::toString);
  }

  @LocalServerPort
  int port;

  @LocalManagementPort
  int managementPort;

  @Test
  void aNameThatCannotBeLookedUpIs503WhileRedisIsDownAndRoutesAgainAfter() {
    GatewayClient gateway = new GatewayClient(port);
    GatewayClient management = new GatewayClient(managementPort);
    String unknown = RandomIds.next() + ".node.localhost";
    assertThat(gateway.exchange(HttpMethod.GET, unknown, "/", h -> { }, null).status()).isEqualTo(404);

    redis.getDockerClient().stopContainerCmd(redis.getContainerId()).withTimeout(2).exec();
    try {
      GatewayClient.Reply down = gateway.exchange(HttpMethod.GET, RandomIds.next() + ".node.localhost", "/", h -> { }, null);
      assertThat(down.status()).as(down.body()).isEqualTo(503);
      assertThat(down.header("Content-Type")).isEqualTo("application/problem+json");
      assertThat(down.body()).contains("store-unavailable");
      assertThat(management.exchange(HttpMethod.GET, "localhost", "/actuator/health", h -> { }, null).status()).isEqualTo(503);
    } finally {
      redis.getDockerClient().startContainerCmd(redis.getContainerId()).exec();
    }

    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
        .until(() -> gateway.exchange(HttpMethod.GET, unknown, "/", h -> { }, null).status() == 404);
  }
}
