package dev.veil.session;

import dev.veil.testsupport.RedisCluster;
import dev.veil.testsupport.RequiresRedisServer;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@link RevocationFeedBehaviour} on a Redis Cluster of three primaries: notices published from
 * the slot that holds the feed's state reach a replica subscribed on whichever node, and a lost
 * store (every primary flushed) still makes every node forget.
 */
@RequiresRedisServer
@DirtiesContext
class RevocationFeedOnClusterIT extends RevocationFeedBehaviour {

  static RedisCluster cluster;

  @DynamicPropertySource
  static void redis(DynamicPropertyRegistry registry) {
    cluster = RedisCluster.sharedFor(registry);
  }

  @Override
  RedisClusterCommands<String, String> redis() {
    return cluster.commands();
  }
}
