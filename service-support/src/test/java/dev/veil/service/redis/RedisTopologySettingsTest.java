package dev.veil.service.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.MapPropertySource;
import org.springframework.mock.env.MockEnvironment;

class RedisTopologySettingsTest {

  private final RedisTopologySettings settings = new RedisTopologySettings();

  private MockEnvironment after(String... pairs) {
    MockEnvironment environment = new MockEnvironment();
    for (int i = 0; i < pairs.length; i += 2) {
      environment.setProperty(pairs[i], pairs[i + 1]);
    }
    settings.postProcessEnvironment(environment, new SpringApplication());
    return environment;
  }

  @Test
  void aSingleServerSetsNoTopology() {
    MockEnvironment environment = after("VEIL_REDIS_URL", "redis://localhost:6379", "VEIL_REDIS_CLUSTER_NODES", " ");
    assertThat(environment.getPropertySources().contains(RedisTopologySettings.SOURCE)).isFalse();
    assertThat(environment.getProperty("spring.data.redis.cluster.nodes")).isNull();
  }

  @Test
  void clusterSeedNodesBecomeBootsClusterSettingsWithTopologyRefresh() {
    MockEnvironment environment = after("VEIL_REDIS_CLUSTER_NODES", "r1:6379,r2:6379,r3:6379");
    assertThat(environment.getProperty("spring.data.redis.cluster.nodes")).isEqualTo("r1:6379,r2:6379,r3:6379");
    assertThat(environment.getProperty("spring.data.redis.lettuce.cluster.refresh.adaptive")).isEqualTo("true");
    assertThat(environment.getProperty("spring.data.redis.lettuce.cluster.refresh.period")).isEqualTo("30s");
    assertThat(environment.getProperty("spring.data.redis.sentinel.master")).isNull();
  }

  @Test
  void sentinelNeedsItsMasterAndNodes() {
    MockEnvironment environment = after("VEIL_REDIS_SENTINEL_MASTER", "veil", "VEIL_REDIS_SENTINEL_NODES", "s1:26379,s2:26379");
    assertThat(environment.getProperty("spring.data.redis.sentinel.master")).isEqualTo("veil");
    assertThat(environment.getProperty("spring.data.redis.sentinel.nodes")).isEqualTo("s1:26379,s2:26379");
    assertThat(environment.getProperty("spring.data.redis.cluster.nodes")).isNull();
    assertThatThrownBy(() -> after("VEIL_REDIS_SENTINEL_MASTER", "veil"))
        .hasMessageContaining("VEIL_REDIS_SENTINEL_NODES");
  }

  @Test
  void aClusterAndASentinelAtOnceIsRefused() {
    assertThatThrownBy(() -> after("VEIL_REDIS_CLUSTER_NODES", "r1:6379", "VEIL_REDIS_SENTINEL_MASTER", "veil",
        "VEIL_REDIS_SENTINEL_NODES", "s1:26379")).hasMessageContaining("either a cluster or");
  }

  @Test
  void springsOwnSettingsWin() {
    MockEnvironment environment = new MockEnvironment();
    environment.getPropertySources().addFirst(new MapPropertySource("explicit",
        java.util.Map.of("spring.data.redis.lettuce.cluster.refresh.period", "5s")));
    environment.setProperty("VEIL_REDIS_CLUSTER_NODES", "r1:6379");
    settings.postProcessEnvironment(environment, new SpringApplication());
    assertThat(environment.getProperty("spring.data.redis.lettuce.cluster.refresh.period")).isEqualTo("5s");
  }
}
