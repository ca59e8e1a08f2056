package dev.veil.market.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of job-market, under {@code veil.market}.
 *
 * @param defaultJobTimeout how long a job may run once claimed, when the poster says nothing
 * @param maxJobTimeout     the most a poster may ask for
 * @param maxClaimWait      the longest a claim long-poll is held open
 * @param lease             a host must heartbeat a job within this, or the job is queued again
 * @param reaperInterval    how often expired leases are looked for
 * @param reapGrace         after the market could not hear hosts (it started, stalled or lost Redis), how long
 *                          they get to renew before an expired lease is re-queued; default (null): the lease
 * @param nodeTtl           a node disappears from the registry this long after its last renewal
 * @param maxQueuedJobsPerOwner jobs one client key may have waiting in the queue at once; a post past it is 429
 * @param maxQueueTime      a job no host claimed within this ends {@code EXPIRED}
 * @param retention         how long a finished job's record and its published result are kept
 * @param sessions          where and how sessions are validated
 */
@Validated
@ConfigurationProperties("veil.market")
public record MarketProperties(
    @DefaultValue("PT1H") @NotNull Duration defaultJobTimeout,
    @DefaultValue("PT24H") @NotNull Duration maxJobTimeout,
    @DefaultValue("PT20S") @NotNull Duration maxClaimWait,
    @DefaultValue("PT30S") @NotNull Duration lease,
    @DefaultValue("PT2S") @NotNull Duration reaperInterval,
    Duration reapGrace,
    @DefaultValue("PT60S") @NotNull Duration nodeTtl,
    @DefaultValue("100") @Min(1) int maxQueuedJobsPerOwner,
    @DefaultValue("P7D") @NotNull Duration maxQueueTime,
    @DefaultValue("P30D") @NotNull Duration retention,
    @Valid @NotNull Sessions sessions) {

  /**
   * @param url   session-service's base URL
   * @param token this service's bearer token there (from the environment)
   */
  public record Sessions(@NotBlank String url, @NotBlank String token) {}
}
