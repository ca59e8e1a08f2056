package dev.veil.session.config;

import io.lettuce.core.ClientOptions;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientConfigurationBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * While Redis is unreachable, commands fail at once instead of queueing until the timeout: a
 * validation then answers 503 straight away, and the client reconnects by itself when Redis is back.
 */
@Configuration(proxyBeanMethods = false)
class RedisClientConfig {

  @Bean
  LettuceClientConfigurationBuilderCustomizer rejectWhileDisconnected() {
    return builder -> builder.clientOptions(ClientOptions.builder()
        .autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .build());
  }
}
