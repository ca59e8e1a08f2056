package dev.veil.market;

import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/** {@link JobMarketBehaviour} on one Redis server. */
@RequiresContainerEngine
@Testcontainers
class JobMarketIT extends JobMarketBehaviour {

  @Container
  @ServiceConnection(name = "redis")
  static final GenericContainer<?> redis = RedisContainers.redis();

  @DynamicPropertySource
  static void sessionService(DynamicPropertyRegistry registry) {
    // Testcontainers has started Redis by the time Spring asks for properties.
    sessionService = MarketSessions.start(RedisContainers.uri(redis), registry);
  }

  @Override
  RedisClusterCommands<String, String> redis() {
    return RedisContainers.commands(redis);
  }

  @Override
  long subscribers(String channel) {
    return RedisContainers.commands(redis).pubsubNumsub(channel).getOrDefault(channel, 0L);
  }
}
