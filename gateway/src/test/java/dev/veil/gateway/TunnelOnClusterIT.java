package dev.veil.gateway;

import dev.veil.testsupport.RedisCluster;
import dev.veil.testsupport.RequiresRedisServer;
import java.util.Map;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@link TunnelBehaviour} with the registry on a Redis Cluster of three primaries: names, replicas
 * and their holdings in one hash slot, the registry's announcements by pub/sub through the
 * cluster, replicas started as processes given the seed nodes as an operator gives them
 * ({@code VEIL_REDIS_CLUSTER_NODES}).
 */
@RequiresRedisServer
@DirtiesContext
class TunnelOnClusterIT extends TunnelBehaviour {

  static RedisCluster cluster;

  @DynamicPropertySource
  static void redis(DynamicPropertyRegistry registry) {
    cluster = RedisCluster.sharedFor(registry);
  }

  @Override
  Map<String, String> redisEnvironment() {
    return Map.of("VEIL_REDIS_CLUSTER_NODES", cluster.nodes());
  }

  @Override
  String redisArgument() {
    return "--spring.data.redis.cluster.nodes=" + cluster.nodes();
  }
}
