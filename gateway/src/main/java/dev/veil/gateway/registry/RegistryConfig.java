package dev.veil.gateway.registry;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;

@Configuration(proxyBeanMethods = false)
class RegistryConfig {

  /** The one pub/sub connection, for registry change announcements. */
  @Bean(destroyMethod = "destroy")
  ReactiveRedisMessageListenerContainer registryEventsListener(ReactiveRedisConnectionFactory connections) {
    return new ReactiveRedisMessageListenerContainer(connections);
  }
}
