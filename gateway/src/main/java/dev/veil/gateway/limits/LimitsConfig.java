package dev.veil.gateway.limits;

import dev.veil.gateway.config.GatewayProperties;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.cloud.gateway.filter.ratelimit.RedisRateLimiter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "veil.gateway.rate-limit.enabled", matchIfMissing = true)
class LimitsConfig {

  /** Replaces the gateway's default limiter bean: its settings come from {@code veil.gateway.rate-limit}. */
  @Bean
  RedisRateLimiter redisRateLimiter(GatewayProperties properties) {
    GatewayProperties.RateLimit settings = properties.rateLimit();
    return new RedisRateLimiter(settings.replenishRate(), settings.burstCapacity());
  }

  @Bean
  ClientRateLimit clientRateLimit(RedisRateLimiter limiter, GatewayProperties properties) {
    return new ClientRateLimit(limiter, properties.rateLimit());
  }
}
