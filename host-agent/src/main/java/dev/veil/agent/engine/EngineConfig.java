package dev.veil.agent.engine;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.veil.agent.config.AgentProperties;
import java.time.Duration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The Docker Engine API client: Docker's socket or Podman's compatible one ({@code veil.agent.docker-host} or {@code $DOCKER_HOST}). */
@Configuration(proxyBeanMethods = false)
class EngineConfig {

  @Bean(destroyMethod = "close")
  DockerClient dockerClient(AgentProperties properties) {
    DefaultDockerClientConfig.Builder config = DefaultDockerClientConfig.createDefaultConfigBuilder();
    if (!properties.dockerHost().isBlank()) {
      config.withDockerHost(properties.dockerHost());
    }
    DefaultDockerClientConfig built = config.build();
    ApacheDockerHttpClient http = new ApacheDockerHttpClient.Builder()
        .dockerHost(built.getDockerHost())
        .maxConnections(64)
        .connectionTimeout(Duration.ofSeconds(5))
        .build();
    return DockerClientImpl.getInstance(built, http);
  }
}
