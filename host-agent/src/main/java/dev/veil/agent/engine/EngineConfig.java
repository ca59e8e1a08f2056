package dev.veil.agent.engine;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
import dev.veil.agent.config.AgentProperties;
import java.time.Duration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The Docker Engine API client: Docker's socket or Podman's compatible one ({@code veil.agent.docker-host} or {@code $DOCKER_HOST}). */
@Configuration(proxyBeanMethods = false)
class EngineConfig {

  @Bean
  DefaultDockerClientConfig dockerClientConfig(AgentProperties properties) {
    DefaultDockerClientConfig.Builder config = DefaultDockerClientConfig.createDefaultConfigBuilder();
    if (!properties.dockerHost().isBlank()) {
      config.withDockerHost(properties.dockerHost());
    }
    return config.build();
  }

  /** The transport, shared by docker-java and by {@link EngineLogs}, which reads frames itself. */
  @Bean(destroyMethod = "close")
  DockerHttpClient dockerHttpClient(DefaultDockerClientConfig config) {
    return new ApacheDockerHttpClient.Builder()
        .dockerHost(config.getDockerHost())
        .maxConnections(64)
        .connectionTimeout(Duration.ofSeconds(5))
        .build();
  }

  @Bean
  DockerClient dockerClient(DefaultDockerClientConfig config, DockerHttpClient http) {
    return DockerClientImpl.getInstance(config, http);
  }
}
