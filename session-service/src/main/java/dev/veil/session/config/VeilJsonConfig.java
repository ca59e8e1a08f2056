package dev.veil.session.config;

import dev.veil.model.json.VeilJson;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** HTTP bodies are read in Veil's strict JSON dialect: unknown fields, duplicates and coercions are refused. */
@Configuration(proxyBeanMethods = false)
class VeilJsonConfig {

  @Bean
  JsonMapperBuilderCustomizer veilStrictJson() {
    return VeilJson::configure;
  }
}
