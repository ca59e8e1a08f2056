package dev.veil.gateway.limits;

import dev.veil.gateway.config.GatewayProperties;
import dev.veil.gateway.tunnel.LiveReplicas;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "veil.gateway.rate-limit.enabled", matchIfMissing = true)
class LimitsConfig {

  @Bean
  ClientRateLimit clientRateLimit(GatewayProperties properties, LiveReplicas replicas, MeterRegistry meters) {
    GatewayProperties.RateLimit settings = properties.rateLimit();
    ClientBuckets buckets = new ClientBuckets(settings.replenishRate(), settings.burstCapacity(), settings.maxClients(),
        replicas::count);
    return new ClientRateLimit(buckets, new ClientAddresses(settings), meters);
  }
}
