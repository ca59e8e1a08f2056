package dev.veil.session;

import dev.veil.testsupport.RedisSentinel;
import dev.veil.testsupport.RequiresRedisServer;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@link SessionServiceBehaviour} on a primary found through a real Sentinel: the service is
 * given only the Sentinel and the primary's name, never the primary's address.
 */
@RequiresRedisServer
@DirtiesContext
class SessionServiceOnSentinelIT extends SessionServiceBehaviour {

  static RedisSentinel sentinel;

  @DynamicPropertySource
  static void redis(DynamicPropertyRegistry registry) {
    sentinel = RedisSentinel.shared();
    registry.add("spring.data.redis.sentinel.master", () -> RedisSentinel.MASTER);
    registry.add("spring.data.redis.sentinel.nodes", sentinel::nodes);
  }

  @Override
  RedisClusterCommands<String, String> redis() {
    return sentinel.commands();
  }
}
