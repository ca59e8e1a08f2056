package dev.veil.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

@RequiresContainerEngine
@Testcontainers
class RedisContainersIT {

  @Container
  static final GenericContainer<?> redis = RedisContainers.redis();

  @Test
  void aRealRedisStoresExpiresAndAnswers() {
    RedisClient client = RedisClient.create(RedisContainers.uri(redis));
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      RedisCommands<String, String> commands = connection.sync();

      assertThat(commands.ping()).isEqualTo("PONG");
      commands.setex("veil:test:key", 60, "value");
      assertThat(commands.get("veil:test:key")).isEqualTo("value");
      assertThat(commands.ttl("veil:test:key")).isBetween(1L, 60L);
      assertThat(commands.info("server")).contains("redis_version:");
    } finally {
      client.shutdown();
    }
  }

  @Test
  void theImageIsTheOneVeilTestProvides() {
    String expected = System.getenv("VEIL_TEST_REDIS_IMAGE");
    assertThat(redis.getDockerImageName()).isEqualTo(expected == null ? "redis:7.4-alpine" : expected);
  }
}
