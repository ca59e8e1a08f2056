package dev.veil.session.config;

import org.springframework.boot.http.codec.CodecCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Bodies are decoded up to {@code veil.session.max-body-size}; larger ones get 413. */
@Configuration(proxyBeanMethods = false)
class CodecConfig {

  @Bean
  CodecCustomizer bodySizeLimit(SessionProperties properties) {
    return codecs -> codecs.defaultCodecs().maxInMemorySize((int) properties.maxBodySize().toBytes());
  }
}
