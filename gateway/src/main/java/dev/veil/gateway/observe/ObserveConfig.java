package dev.veil.gateway.observe;

import ch.qos.logback.classic.LoggerContext;
import dev.veil.gateway.config.GatewayProperties;
import dev.veil.gateway.routing.NodeDomainHost;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import java.util.Set;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class ObserveConfig {

  /** The methods a route timer keeps apart; any other is {@code OTHER}. */
  static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE");

  @Bean
  @ConditionalOnProperty(name = "veil.gateway.access-log", matchIfMissing = true)
  AccessLog accessLog(NodeDomainHost hosts, GatewayProperties properties) {
    return new AccessLog(hosts, properties.nodeDomain());
  }

  /**
   * The route timer ({@code spring.cloud.gateway.requests}) is tagged with the request's method as
   * sent, and HTTP lets a client make up any: each new one would be a timer with a histogram of its
   * own, kept for ever. Made-up methods share one tag value.
   */
  @Bean
  MeterFilter boundedMethodTags() {
    return MeterFilter.replaceTagValues("httpMethod", method -> METHODS.contains(method) ? method : "OTHER");
  }

  /**
   * {@code logback.events} by level, from an appender ({@link LogEventCounter}); Boot's own binder
   * for it, a turbo filter consulted on every level check, is excluded on {@code GatewayApplication}.
   * The gateway logs through logback (logback-spring.xml): bound to anything else, it says so at start.
   */
  @Bean(destroyMethod = "close")
  LogEventCounter logEventCounter(MeterRegistry registry) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext logback)) {
      throw new IllegalStateException("the gateway logs through logback (logback-spring.xml); SLF4J is bound to "
          + LoggerFactory.getILoggerFactory().getClass().getName());
    }
    return LogEventCounter.attach(logback, registry);
  }
}
