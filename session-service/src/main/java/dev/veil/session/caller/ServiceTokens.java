package dev.veil.session.caller;

import dev.veil.session.config.SessionProperties;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The trusted services' tokens. Compared as SHA-256 digests with {@link MessageDigest#isEqual}
 * (constant time), against every configured token without stopping at a match, so timing tells
 * nothing about any of them.
 */
@Component
class ServiceTokens {

  private final Map<String, byte[]> digests;

  ServiceTokens(SessionProperties properties) {
    this.digests = properties.serviceTokens().entrySet().stream()
        .collect(java.util.stream.Collectors.toUnmodifiableMap(Map.Entry::getKey, e -> sha256(e.getValue())));
  }

  /** The name of the service whose token this is, if any. */
  Optional<String> serviceFor(String token) {
    byte[] presented = sha256(token);
    String match = null;
    for (Map.Entry<String, byte[]> e : digests.entrySet()) {
      if (MessageDigest.isEqual(presented, e.getValue())) {
        match = e.getKey();
      }
    }
    return Optional.ofNullable(match);
  }

  private static byte[] sha256(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
