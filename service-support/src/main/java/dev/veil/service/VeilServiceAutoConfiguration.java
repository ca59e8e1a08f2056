package dev.veil.service;

import dev.veil.service.node.CachedBodyFilter;
import dev.veil.service.node.NodeAuthProperties;
import dev.veil.service.node.NodeRequestAuthenticator;
import dev.veil.service.node.RedisNonceStore;
import dev.veil.service.problem.DataStoreFailures;
import dev.veil.service.problem.ProblemAdvice;
import dev.veil.service.problem.ProblemClassifier;
import dev.veil.service.problem.ProblemMapping;
import dev.veil.service.problem.ProblemWebExceptionHandler;
import dev.veil.service.problem.ProblemWriter;
import dev.veil.service.web.BlankAcceptFilter;
import dev.veil.service.web.ClientAddresses;
import dev.veil.service.web.VeilHttpProperties;
import dev.veil.service.web.VeilWebCustomizers;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.codec.ServerCodecConfigurer;

/**
 * What every Veil WebFlux service gets by depending on service-support: problem+json for every
 * failure, the strict JSON dialect, a body size limit, a {@link Clock}, and, where the service sets
 * {@code veil.node-auth.audience}, verification of node-signed requests.
 */
@AutoConfiguration
@EnableConfigurationProperties(VeilHttpProperties.class)
@Import(VeilWebCustomizers.class)
public class VeilServiceAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  Clock clock() {
    return Clock.systemUTC();
  }

  @Bean
  @Order(Ordered.HIGHEST_PRECEDENCE)
  BlankAcceptFilter blankAcceptFilter() {
    return new BlankAcceptFilter();
  }

  @Bean
  ClientAddresses clientAddresses(VeilHttpProperties properties) {
    return new ClientAddresses(properties.trustedProxyHops());
  }

  @Bean
  ProblemMapping problemMapping(ObjectProvider<ProblemClassifier> classifiers) {
    return new ProblemMapping(classifiers.orderedStream().toList());
  }

  @Bean
  ProblemWriter problemWriter(ServerCodecConfigurer codecs, ProblemMapping mapping) {
    return new ProblemWriter(codecs, mapping);
  }

  @Bean
  ProblemAdvice problemAdvice(ProblemMapping mapping) {
    return new ProblemAdvice(mapping);
  }

  @Bean
  @Order(-2)
  ProblemWebExceptionHandler problemWebExceptionHandler(ProblemWriter writer) {
    return new ProblemWebExceptionHandler(writer);
  }

  /**
   * A data store's failures (Spring's {@code DataAccessException}, e.g. Redis down) are 503, for
   * services that have one; the others never load the class.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.dao.DataAccessException")
  static class DataStoreConfiguration {

    @Bean
    DataStoreFailures dataStoreFailures() {
      return new DataStoreFailures();
    }
  }

  /** Node-signed requests, for services that accept them (they set {@code veil.node-auth.audience}). */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(ReactiveStringRedisTemplate.class)
  @ConditionalOnProperty("veil.node-auth.audience")
  @EnableConfigurationProperties(NodeAuthProperties.class)
  static class NodeAuthConfiguration {

    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    CachedBodyFilter cachedBodyFilter(VeilHttpProperties properties) {
      return new CachedBodyFilter(properties);
    }

    @Bean
    NodeRequestAuthenticator nodeRequestAuthenticator(NodeAuthProperties properties, ReactiveStringRedisTemplate redis,
        Clock clock) {
      return new NodeRequestAuthenticator(properties, new RedisNonceStore(redis, properties.noncePrefix()), clock);
    }
  }
}
