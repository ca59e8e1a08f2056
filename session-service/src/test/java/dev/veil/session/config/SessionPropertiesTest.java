package dev.veil.session.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionPropertiesTest {

  private static SessionProperties with(Duration defaultTtl, Map<String, String> tokens) {
    return new SessionProperties(defaultTtl, Duration.ofHours(24), Duration.ofMinutes(1),
        new SessionProperties.FailedLookups(30, Duration.ofMinutes(1)), 1000, tokens);
  }

  @Test
  void aShortServiceTokenStopsStartupInsteadOfBeingIgnored() {
    assertThatThrownBy(() -> with(Duration.ofHours(1), Map.of("jobmarket", "short")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("service-tokens.jobmarket");
  }

  @Test
  void aDefaultLifetimeAboveTheCapStopsStartup() {
    assertThatThrownBy(() -> with(Duration.ofHours(25), Map.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exceeds");
  }
}
