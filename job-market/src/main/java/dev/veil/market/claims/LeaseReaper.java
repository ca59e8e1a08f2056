package dev.veil.market.claims;

import dev.veil.market.jobs.RedisJobStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import dev.veil.market.config.MarketProperties;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;

/**
 * Finds jobs whose host stopped heart-beating and queues them again (or, if their owner asked
 * them to stop, stops them), and ends {@code EXPIRED} the jobs no host claimed within
 * {@code max-queue-time}, and puts back in the queue a job whose claim was cut between its two
 * steps (a market stopped) a lease ago. Safe to run in several market instances at once: each job
 * is handled by one atomic script that checks it still needs it, so exactly once. No lease is
 * re-queued while hosts could not have renewed it ({@link ReapGrace}: after a start, a stall or a
 * failed sweep).
 */
@Component
class LeaseReaper {

  private static final Logger log = LoggerFactory.getLogger(LeaseReaper.class);

  private final RedisJobStore jobs;
  private final Clock clock;
  private final Counter requeued;
  private final Counter expired;
  private final ReapGrace grace;
  private final Duration lease;

  LeaseReaper(RedisJobStore jobs, Clock clock, MeterRegistry meters, MarketProperties properties) {
    this.lease = properties.lease();
    this.jobs = jobs;
    this.clock = clock;
    Duration grace = properties.reapGrace() == null ? properties.lease() : properties.reapGrace();
    this.grace = new ReapGrace(grace, properties.lease().dividedBy(2), System::nanoTime);
    this.requeued = Counter.builder("veil.market.jobs.requeued").description("jobs whose host stopped heart-beating")
        .register(meters);
    this.expired = Counter.builder("veil.market.jobs.expired").description("jobs no host claimed within max-queue-time")
        .register(meters);
  }

  // A scheduled sweep, off every request path; block() keeps sweeps from overlapping.
  @Scheduled(fixedDelayString = "${veil.market.reaper-interval:PT2S}")
  void sweep() {
    try {
      (grace.mayReap() ? jobs.reapExpiredLeases(clock.millis()) : Flux.<String>empty())
          .doOnNext(jobId -> {
            requeued.increment();
            log.info("job {} lost its host (no heartbeat within the lease): queued again or stopped", jobId);
          })
          .thenMany(jobs.requeueCutClaims(clock.millis() - lease.toMillis()))
          .doOnNext(jobId -> {
            requeued.increment();
            log.info("job {} queued again: the claim that took it from the queue was cut off", jobId);
          })
          .thenMany(jobs.expireUnclaimed(clock.millis()))
          .doOnNext(jobId -> {
            expired.increment();
            log.info("job {} expired: no host claimed it within max-queue-time", jobId);
          })
          .then()
          .block();
    } catch (RuntimeException e) {
      grace.failed();
      log.warn("lease sweep failed, will retry: {}", e.toString());
    }
  }
}
