package dev.veil.session.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of session-service, under {@code veil.session}.
 *
 * @param defaultTtl     lifetime of a session when the client asks for none
 * @param maxTtl         the cap: a client asking for more is refused
 * @param challengeTtl   how long a login challenge may be used
 * @param failedLookups  rate limit on failed validations per caller
 * @param maxSessionsPerKey live sessions one client key may hold at once; a login past it is 429 until one expires or is revoked
 * @param serviceTokens  trusted services by name, each with its bearer token (from the environment, never committed)
 */
@Validated
@ConfigurationProperties("veil.session")
public record SessionProperties(
    @DefaultValue("PT1H") @NotNull Duration defaultTtl,
    @DefaultValue("PT24H") @NotNull Duration maxTtl,
    @DefaultValue("PT1M") @NotNull Duration challengeTtl,
    @DefaultValue @Valid FailedLookups failedLookups,
    @DefaultValue("1000") @Min(1) int maxSessionsPerKey,
    Map<String, String> serviceTokens) {

  /** Shortest service token accepted: shorter ones are guessable. */
  public static final int MIN_TOKEN_LENGTH = 16;

  public SessionProperties {
    serviceTokens = serviceTokens == null ? Map.of() : Map.copyOf(serviceTokens);
    serviceTokens.forEach((name, token) -> {
      if (token == null || token.length() < MIN_TOKEN_LENGTH) {
        throw new IllegalArgumentException("veil.session.service-tokens." + name + " must be at least "
            + MIN_TOKEN_LENGTH + " characters");
      }
    });
    if (defaultTtl.compareTo(maxTtl) > 0) {
      throw new IllegalArgumentException("veil.session.default-ttl (" + defaultTtl + ") exceeds veil.session.max-ttl (" + maxTtl + ")");
    }
  }

  /**
   * @param limit  failed validations a caller may make per window before it gets 429
   * @param window the window
   */
  public record FailedLookups(@DefaultValue("30") @Min(1) int limit, @DefaultValue("PT1M") @NotNull Duration window) {}
}
