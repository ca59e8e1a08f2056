package dev.veil.session.caller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.session.config.SessionProperties;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceTokensTest {

  private final ServiceTokens tokens = new ServiceTokens(new SessionProperties(Duration.ofHours(1), Duration.ofHours(24),
      Duration.ofMinutes(1), new SessionProperties.FailedLookups(30, Duration.ofMinutes(1)), 1000,
      Map.of("jobmarket", "market-token-0123456789", "gateway", "gateway-token-0123456789")));

  @Test
  void eachTokenNamesItsServiceAndNothingElseMatches() {
    assertThat(tokens.serviceFor("market-token-0123456789")).contains("jobmarket");
    assertThat(tokens.serviceFor("gateway-token-0123456789")).contains("gateway");
    assertThat(tokens.serviceFor("market-token-012345678")).isEmpty();
    assertThat(tokens.serviceFor("")).isEmpty();
  }
}
