package dev.veil.service.web;

import io.lettuce.core.ClientOptions;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;

/**
 * While Redis is unreachable, commands fail at once instead of queueing until the timeout: a
 * request then answers 503 straight away, and the client reconnects by itself when Redis is back.
 * It customizes Boot's own options builder, so {@code spring.data.redis.timeout} and
 * {@code connect-timeout} still apply (replacing the options would reset them to Lettuce's 10 s).
 */
final class RedisClientConfig {

  private RedisClientConfig() {}

  static LettuceClientOptionsBuilderCustomizer rejectWhileDisconnected() {
    return options -> options
        .autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
  }
}
