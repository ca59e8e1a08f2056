package dev.veil.session.revocation;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the revocation feed nodes follow, under {@code veil.session.revocation-feed}.
 *
 * @param heartbeat         how often each replica publishes a heartbeat through Redis; nodes
 *                          stop trusting what they hold when they hear none for a while (their
 *                          {@code feed-silence}, which must be longer)
 * @param maxLag            the most a notice may lag: a heartbeat older than this when it reaches
 *                          this replica (by Redis's clock against this one's) resets every node
 *                          here; a stream that has taken nothing for this long while events wait
 *                          is closed (the node forgets all and reconnects)
 * @param maxStreamsPerNode feed streams one node may hold open at this replica; past it, 429
 * @param streamBuffer      events queued for one stream; past it the stream is closed at once
 * @param stateTtl          lifetime of the epoch and sequence keys, renewed by every heartbeat
 */
@Validated
@ConfigurationProperties("veil.session.revocation-feed")
public record RevocationFeedProperties(
    @DefaultValue("PT2S") @NotNull @DurationMin(millis = 50) Duration heartbeat,
    @DefaultValue("PT2S") @NotNull @DurationMin(millis = 100) Duration maxLag,
    @DefaultValue("4") @Min(1) int maxStreamsPerNode,
    @DefaultValue("64") @Min(16) int streamBuffer,
    @DefaultValue("P30D") @NotNull Duration stateTtl) {}
