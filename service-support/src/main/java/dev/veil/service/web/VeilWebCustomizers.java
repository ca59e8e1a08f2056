package dev.veil.service.web;

import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.boot.http.codec.CodecCustomizer;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The customizers of Boot's own JSON, codec and Redis client set-up that every Veil service applies. */
@Configuration(proxyBeanMethods = false)
public class VeilWebCustomizers {

  @Bean
  JsonMapperBuilderCustomizer veilStrictJson() {
    return VeilJsonConfig.strictJson();
  }

  @Bean
  CodecCustomizer veilBodySizeLimit(VeilHttpProperties properties) {
    return CodecConfig.bodySizeLimit(properties);
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = {"io.lettuce.core.ClientOptions",
      "org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer"})
  static class Redis {

    @Bean
    LettuceClientOptionsBuilderCustomizer veilRejectWhileDisconnected() {
      return RedisClientConfig.rejectWhileDisconnected();
    }
  }
}
