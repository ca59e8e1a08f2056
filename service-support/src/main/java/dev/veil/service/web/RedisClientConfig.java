package dev.veil.service.web;

import io.lettuce.core.ClientOptions;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientConfigurationBuilderCustomizer;

/**
 * While Redis is unreachable, commands fail at once instead of queueing until the timeout: a
 * request then answers 503 straight away, and the client reconnects by itself when Redis is back.
 */
final class RedisClientConfig {

  private RedisClientConfig() {}

  static LettuceClientConfigurationBuilderCustomizer rejectWhileDisconnected() {
    return builder -> builder.clientOptions(ClientOptions.builder()
        .autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .build());
  }
}
