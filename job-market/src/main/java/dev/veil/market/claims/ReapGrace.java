package dev.veil.market.claims;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * When the market may re-queue a job whose lease ran out. A lease runs out because its host went
 * silent, or because the market could not hear it: the market was starting, stalled (a paused
 * process, a long GC) or cut off from Redis. After any of those, hosts get {@code grace} to renew
 * their leases before any is re-queued, so an outage shorter than that loses no running job and
 * never runs one twice. Real (monotonic) time, not the business clock: a stall is measured as it
 * happened.
 */
final class ReapGrace {

  private final long graceNanos;
  private final long stallNanos;
  private final LongSupplier nanoTime;
  /** Since when hosts could reach the market without a break. */
  private long heardSince;
  private long lastSweep;

  /**
   * @param grace how long hosts may renew after the market could not hear them
   * @param stall a gap between two sweeps longer than this means the market itself stood still
   */
  ReapGrace(Duration grace, Duration stall, LongSupplier nanoTime) {
    this.graceNanos = grace.toNanos();
    this.stallNanos = stall.toNanos();
    this.nanoTime = nanoTime;
    this.heardSince = nanoTime.getAsLong();
    this.lastSweep = heardSince;
  }

  /** Called at each sweep: whether expired leases may be re-queued now. */
  synchronized boolean mayReap() {
    long now = nanoTime.getAsLong();
    if (now - lastSweep > stallNanos) {
      heardSince = now;
    }
    lastSweep = now;
    return now - heardSince >= graceNanos;
  }

  /** A sweep failed (Redis did not answer): hosts could not renew either. */
  synchronized void failed() {
    heardSince = nanoTime.getAsLong();
    lastSweep = heardSince;
  }
}
