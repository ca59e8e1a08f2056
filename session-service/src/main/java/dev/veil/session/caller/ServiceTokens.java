package dev.veil.session.caller;

import dev.veil.model.id.Digests;
import dev.veil.session.config.SessionProperties;
import java.security.MessageDigest;
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
        .collect(java.util.stream.Collectors.toUnmodifiableMap(Map.Entry::getKey, e -> Digests.sha256(e.getValue())));
  }

  /** The name of the service whose token this is, if any. */
  Optional<String> serviceFor(String token) {
    byte[] presented = Digests.sha256(token);
    String match = null;
    for (Map.Entry<String, byte[]> e : digests.entrySet()) {
      if (MessageDigest.isEqual(presented, e.getValue())) {
        match = e.getKey();
      }
    }
    return Optional.ofNullable(match);
  }
}
