package dev.veil.gateway.observe;

import dev.veil.gateway.config.GatewayProperties;
import dev.veil.gateway.routing.NodeDomainHost;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class ObserveConfig {

  @Bean
  @ConditionalOnProperty(name = "veil.gateway.access-log", matchIfMissing = true)
  AccessLog accessLog(NodeDomainHost hosts, GatewayProperties properties) {
    return new AccessLog(hosts, properties.nodeDomain());
  }
}
