package dev.veil.service.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.ClientOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/** The Redis client every service builds: Boot's timeouts as configured, and commands refused at once while disconnected. */
class RedisClientOptionsTest {

  @Test
  void configuredTimeoutsSurviveAndCommandsAreRejectedWhileDisconnected() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class))
        .withUserConfiguration(VeilWebCustomizers.Redis.class)
        .withPropertyValues("spring.data.redis.connect-timeout=2s", "spring.data.redis.timeout=2s")
        .run(context -> {
          ClientOptions options = context.getBean(LettuceConnectionFactory.class).getClientConfiguration()
              .getClientOptions().orElseThrow();
          assertThat(options.getSocketOptions().getConnectTimeout()).isEqualTo(Duration.ofSeconds(2));
          assertThat(options.getDisconnectedBehavior()).isEqualTo(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
          assertThat(options.isAutoReconnect()).isTrue();
          assertThat(context.getBean(LettuceConnectionFactory.class).getClientConfiguration().getCommandTimeout())
              .isEqualTo(Duration.ofSeconds(2));
        });
  }
}
