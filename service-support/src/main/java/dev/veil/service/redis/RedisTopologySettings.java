package dev.veil.service.redis;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Where a service finds Redis, beyond the single server that {@code VEIL_REDIS_URL} names: a
 * Redis Cluster ({@code VEIL_REDIS_CLUSTER_NODES}, its seed nodes as {@code host:port,...}) or a
 * primary watched by Sentinel ({@code VEIL_REDIS_SENTINEL_MASTER} and {@code VEIL_REDIS_SENTINEL_NODES}).
 * Each is handed to Spring Boot's own Redis settings only when it is set, since Boot takes even
 * an empty node list as a cluster; credentials still come from {@code VEIL_REDIS_URL}'s user
 * information. A cluster's topology is refreshed adaptively (on a MOVED or a lost node) and every
 * 30 s. Spring's own {@code spring.data.redis.*} settings, where given, win over these.
 */
public final class RedisTopologySettings implements EnvironmentPostProcessor {

  static final String CLUSTER_NODES = "VEIL_REDIS_CLUSTER_NODES";
  static final String SENTINEL_MASTER = "VEIL_REDIS_SENTINEL_MASTER";
  static final String SENTINEL_NODES = "VEIL_REDIS_SENTINEL_NODES";
  static final String SOURCE = "veilRedisTopology";

  @Override
  public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
    Map<String, Object> settings = new LinkedHashMap<>();
    String clusterNodes = environment.getProperty(CLUSTER_NODES, "").strip();
    String sentinelMaster = environment.getProperty(SENTINEL_MASTER, "").strip();
    String sentinelNodes = environment.getProperty(SENTINEL_NODES, "").strip();
    if (!clusterNodes.isEmpty() && !sentinelMaster.isEmpty()) {
      throw new IllegalStateException(CLUSTER_NODES + " and " + SENTINEL_MASTER + " are both set: Redis is either a cluster or a primary under Sentinel");
    }
    if (!clusterNodes.isEmpty()) {
      settings.put("spring.data.redis.cluster.nodes", clusterNodes);
      settings.put("spring.data.redis.lettuce.cluster.refresh.adaptive", "true");
      settings.put("spring.data.redis.lettuce.cluster.refresh.period", "30s");
    }
    if (!sentinelMaster.isEmpty()) {
      if (sentinelNodes.isEmpty()) {
        throw new IllegalStateException(SENTINEL_MASTER + " is set but " + SENTINEL_NODES + " is not: name the Sentinels as host:port,...");
      }
      settings.put("spring.data.redis.sentinel.master", sentinelMaster);
      settings.put("spring.data.redis.sentinel.nodes", sentinelNodes);
    }
    if (!settings.isEmpty()) {
      // Last: any spring.data.redis.* setting given explicitly takes precedence.
      environment.getPropertySources().addLast(new MapPropertySource(SOURCE, settings));
    }
  }
}
