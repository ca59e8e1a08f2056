package dev.veil.agent.api;

import dev.veil.agent.engine.ContainerEngine;
import dev.veil.agent.market.MarketClient;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Health: the container engine answers, and the market is reachable. */
@Configuration(proxyBeanMethods = false)
class AgentHealth {

  @Bean
  ReactiveHealthIndicator engineHealthIndicator(ContainerEngine engine) {
    return () -> engine.ping().map(up -> up ? Health.up().build()
        : Health.down().withDetail("reason", "the container engine does not answer; no job is claimed until it does").build());
  }

  @Bean
  ReactiveHealthIndicator marketHealthIndicator(MarketClient market) {
    return () -> market.reachable().map(up -> up ? Health.up().build() : Health.down().build());
  }
}
