package dev.veil.market;

import dev.veil.testsupport.RedisCluster;
import dev.veil.testsupport.RequiresRedisServer;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.Map;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@link JobMarketBehaviour} on a Redis Cluster of three primaries: the queue, leases, jobs and
 * quotas in one hash slot, results and node records spread over the others, the queue's wake-ups
 * by pub/sub through the cluster. The session-service it uses runs on the same cluster, given its
 * seed nodes as an operator gives them ({@code VEIL_REDIS_CLUSTER_NODES}).
 */
@RequiresRedisServer
@DirtiesContext
class JobMarketOnClusterIT extends JobMarketBehaviour {

  static RedisCluster cluster;

  @DynamicPropertySource
  static void redis(DynamicPropertyRegistry registry) {
    cluster = RedisCluster.sharedFor(registry);
    // The URL names no server here: with cluster nodes set, only its credentials would count.
    sessionService = MarketSessions.start("redis://unused.invalid:6379", registry,
        Map.of("VEIL_REDIS_CLUSTER_NODES", cluster.nodes()));
  }

  @Override
  RedisClusterCommands<String, String> redis() {
    return cluster.commands();
  }

  @Override
  long subscribers(String channel) {
    return cluster.subscribers(channel);
  }
}
