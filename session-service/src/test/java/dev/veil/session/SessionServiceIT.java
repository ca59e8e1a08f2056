package dev.veil.session;

import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/** {@link SessionServiceBehaviour} on one Redis server. */
@RequiresContainerEngine
@Testcontainers
class SessionServiceIT extends SessionServiceBehaviour {

  @Container
  @ServiceConnection(name = "redis")
  static final GenericContainer<?> redis = RedisContainers.redis();

  @Override
  RedisClusterCommands<String, String> redis() {
    return RedisContainers.commands(redis);
  }
}
