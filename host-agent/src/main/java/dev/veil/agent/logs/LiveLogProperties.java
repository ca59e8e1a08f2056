package dev.veil.agent.logs;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The owner's live logs ({@code GET /job-logs/{jobId}}), under {@code veil.agent.live-logs}.
 *
 * @param readInterval   how often a running container's log is read while someone follows its job
 *                       (unfollowed, it is read once the container ends)
 * @param keepAlive      a comment is sent on a stream idle this long, so proxies and clients keep it
 * @param maxStreamsPerJob streams one job may have open at once; more are refused (429)
 * @param maxStreams     streams open at once on this host, all jobs together; more are refused (429)
 * @param batchLines     lines read from disk and written to a stream at a time: with {@code batchBytes},
 *                       what one stream holds in memory at most
 * @param batchBytes     bytes of lines read and written at a time
 */
@Validated
@ConfigurationProperties("veil.agent.live-logs")
public record LiveLogProperties(
    @DefaultValue("PT0.5S") @NotNull @DurationMin(millis = 50) Duration readInterval,
    @DefaultValue("PT15S") @NotNull @DurationMin(millis = 100) Duration keepAlive,
    @DefaultValue("4") @Min(1) int maxStreamsPerJob,
    @DefaultValue("256") @Min(1) int maxStreams,
    @DefaultValue("512") @Min(1) int batchLines,
    @DefaultValue("262144") @Min(1024) long batchBytes) {}
