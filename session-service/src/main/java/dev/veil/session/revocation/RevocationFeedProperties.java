package dev.veil.session.revocation;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the revocation feed nodes follow, under {@code veil.session.revocation-feed}.
 *
 * @param heartbeat         how often each replica publishes a heartbeat through Redis; nodes
 *                          stop trusting what they hold when they hear none for a while (their
 *                          {@code feed-silence}, which must be longer)
 * @param maxStreamsPerNode feed streams one node may hold open at this replica; past it, 429
 * @param streamBuffer      events queued for one slow stream before it is closed (the node then
 *                          forgets what it holds and reconnects)
 * @param stateTtl          lifetime of the epoch and sequence keys, renewed by every heartbeat
 */
@Validated
@ConfigurationProperties("veil.session.revocation-feed")
public record RevocationFeedProperties(
    @DefaultValue("PT2S") @NotNull Duration heartbeat,
    @DefaultValue("4") @Min(1) int maxStreamsPerNode,
    @DefaultValue("1024") @Min(16) int streamBuffer,
    @DefaultValue("P30D") @NotNull Duration stateTtl) {}
