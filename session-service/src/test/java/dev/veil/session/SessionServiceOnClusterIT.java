package dev.veil.session;

import dev.veil.testsupport.RedisCluster;
import dev.veil.testsupport.RequiresRedisServer;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@link SessionServiceBehaviour} on a Redis Cluster of three primaries: every script's keys in
 * one hash slot, the revocation feed's pub/sub through the cluster, the health check on it.
 */
@RequiresRedisServer
@DirtiesContext
class SessionServiceOnClusterIT extends SessionServiceBehaviour {

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
