package dev.veil.agent.sessions;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How long this node keeps a session it validated, under {@code veil.agent.session-cache}.
 *
 * @param enabled      keep validated sessions at all (false: every request asks session-service)
 * @param maxEntries   sessions kept at once; the least recently used go first
 * @param maxAge       the longest any session is kept before it is asked about again
 * @param feedSilence  how long the revocation feed may stay silent (session-service beats every
 *                     2 s) before nothing kept is trusted: the bound on how long a revoked session
 *                     can still be used here when the feed is cut without a word
 * @param reconnectDelay first wait before following the feed again after it ended; doubled after
 *                     each stream that brought no heartbeat, up to 30 s
 */
@Validated
@ConfigurationProperties("veil.agent.session-cache")
public record SessionCacheProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("10000") @Min(1) int maxEntries,
    @DefaultValue("PT5M") @NotNull Duration maxAge,
    @DefaultValue("PT6S") @NotNull @DurationMin(millis = 100) Duration feedSilence,
    @DefaultValue("PT1S") @NotNull @DurationMin(millis = 100) Duration reconnectDelay) {}
