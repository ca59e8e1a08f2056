package dev.veil.service.web;

import dev.veil.model.json.VeilJson;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;

/** HTTP bodies are read in Veil's strict JSON dialect: unknown fields, duplicates and coercions are refused. */
final class VeilJsonConfig {

  private VeilJsonConfig() {}

  static JsonMapperBuilderCustomizer strictJson() {
    return VeilJson::configure;
  }
}
