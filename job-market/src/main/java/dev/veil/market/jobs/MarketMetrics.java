package dev.veil.market.jobs;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * {@code veil.market.jobs.queued} and {@code .running} (gauges, refreshed from Redis every few
 * seconds) and {@code veil.market.jobs.posted}. The claim side counts its own:
 * {@code veil.market.claim.latency}, {@code veil.market.jobs.requeued}, {@code veil.market.jobs.finished{state}}.
 */
@Component
public class MarketMetrics {

  private final RedisJobStore jobs;
  private final AtomicLong queued = new AtomicLong();
  private final AtomicLong running = new AtomicLong();
  private final Counter posted;

  public MarketMetrics(MeterRegistry registry, RedisJobStore jobs) {
    this.jobs = jobs;
    Gauge.builder("veil.market.jobs.queued", queued, AtomicLong::get).description("jobs waiting for a host").register(registry);
    Gauge.builder("veil.market.jobs.running", running, AtomicLong::get).description("jobs held by a host").register(registry);
    this.posted = Counter.builder("veil.market.jobs.posted").register(registry);
  }

  // Off the request path: a periodic read of two counters.
  @Scheduled(fixedDelayString = "PT5S")
  void refreshGauges() {
    jobs.queuedCount().doOnNext(queued::set).then(jobs.runningCount().doOnNext(running::set)).onErrorComplete().subscribe();
  }

  void posted() {
    posted.increment();
  }
}
