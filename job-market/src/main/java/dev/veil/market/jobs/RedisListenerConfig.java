package dev.veil.market.jobs;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;

/** One pub/sub connection shared by every SSE follower and waiting claim. */
@Configuration(proxyBeanMethods = false)
class RedisListenerConfig {

  @Bean(destroyMethod = "destroy")
  ReactiveRedisMessageListenerContainer redisListener(ReactiveRedisConnectionFactory connections) {
    return new ReactiveRedisMessageListenerContainer(connections);
  }
}
