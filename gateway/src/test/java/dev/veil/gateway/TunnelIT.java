package dev.veil.gateway;

import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import java.util.Map;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/** {@link TunnelBehaviour} with the registry on one Redis server. */
@RequiresContainerEngine
@Testcontainers
class TunnelIT extends TunnelBehaviour {

  @Container
  @ServiceConnection(name = "redis")
  static final GenericContainer<?> redis = RedisContainers.redis();

  @Override
  Map<String, String> redisEnvironment() {
    return Map.of("VEIL_REDIS_URL", RedisContainers.uri(redis));
  }

  @Override
  String redisArgument() {
    return "--spring.data.redis.url=" + RedisContainers.uri(redis);
  }
}
