package dev.veil.service.web;

import org.springframework.boot.http.codec.CodecCustomizer;

/** Bodies are decoded up to {@code veil.http.max-body-size}; larger ones get 413. */
final class CodecConfig {

  private CodecConfig() {}

  static CodecCustomizer bodySizeLimit(VeilHttpProperties properties) {
    return codecs -> codecs.defaultCodecs().maxInMemorySize((int) properties.maxBodySize().toBytes());
  }
}
