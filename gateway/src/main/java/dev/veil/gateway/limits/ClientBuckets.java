package dev.veil.gateway.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.TokensInheritanceStrategy;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * One token bucket per client in this replica's memory (Bucket4j), in a cache bounded in size and
 * expiring buckets once idle long enough to have refilled at the slowest share yet (Caffeine): a
 * bucket dropped then is one that would be full, so expiry changes no answer, and a million clients passing once cost at most {@code maxClients} buckets. Each of
 * {@code replicas} replicas allows its share of the limit, as Envoy's and nginx's local limits do:
 * exactly 1/N of the rate (a rate of 1/s over 4 replicas is one token every 4 s on each), and 1/N of
 * the burst but at least 1 token (a burst smaller than N allows N at once across the replicas). A
 * client spread over them by the load balancer gets the whole limit. When the number of replicas
 * changes, buckets take the new share at their next request, keeping the fraction of tokens they had.
 */
public final class ClientBuckets {

  /** What one request may do. */
  public record Decision(boolean allowed, long retryAfterSeconds) {}

  private final Cache<String, ClientBucket> buckets;
  private final int ratePerSecond;
  private final int burst;
  private final IntSupplier replicas;
  private final TimeMeter clock;
  private volatile Share share;

  /**
   * @param ratePerSecond tokens per second across all replicas
   * @param burst         bucket size across all replicas
   * @param maxClients    most buckets kept
   * @param replicas      how many replicas share the limit now
   * @param clock         Bucket4j's clock; the cache's idle time is measured on the same one
   */
  public ClientBuckets(int ratePerSecond, int burst, long maxClients, IntSupplier replicas, TimeMeter clock) {
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.replicas = replicas;
    this.clock = clock;
    this.share = share(1);
    this.buckets = Caffeine.newBuilder()
        .maximumSize(maxClients)
        .expireAfterAccess(Duration.ofNanos(idleNanos(share)))
        .ticker(clock::currentTimeNanos)
        .build();
  }

  public ClientBuckets(int ratePerSecond, int burst, long maxClients, IntSupplier replicas) {
    this(ratePerSecond, burst, maxClients, replicas, TimeMeter.SYSTEM_NANOTIME);
  }

  /** Takes one token from {@code client}'s bucket, if it has one. */
  public Decision take(String client) {
    Share now = currentShare();
    ClientBucket bucket = buckets.get(client, key -> new ClientBucket(now, clock));
    ConsumptionProbe probe = bucket.in(now).tryConsumeAndReturnRemaining(1);
    if (probe.isConsumed()) {
      return ALLOWED;
    }
    long seconds = TimeUnit.NANOSECONDS.toSeconds(probe.getNanosToWaitForRefill() + TimeUnit.SECONDS.toNanos(1) - 1);
    return new Decision(false, Math.max(1, seconds));
  }

  /** Buckets kept now (after pending evictions). */
  public long clients() {
    buckets.cleanUp();
    return buckets.estimatedSize();
  }

  private static final Decision ALLOWED = new Decision(true, 0);

  private Share currentShare() {
    int count = Math.max(1, replicas.getAsInt());
    Share current = share;
    if (current.replicas != count) {
      current = share(count);
      share = current;
      lengthenIdleTime(idleNanos(current));
    }
    return current;
  }

  // The time a share takes to fill from empty, and a second more: the cache notes a bucket's last
  // use to within about a second (a read soon after the one before may not move it).
  private static long idleNanos(Share share) {
    return share.fillNanos() + TimeUnit.SECONDS.toNanos(1);
  }

  /*
   * Buckets are dropped once idle for the time the slowest share yet takes to fill from empty:
   * never sooner than their own share would fill them (a share fills in at most burst/rate seconds,
   * N/rate when the burst is smaller than N). Only ever lengthened: kept longer, a bucket is full.
   */
  private synchronized void lengthenIdleTime(long idleNanos) {
    buckets.policy().expireAfterAccess().ifPresent(policy -> {
      if (policy.getExpiresAfter(TimeUnit.NANOSECONDS) < idleNanos) {
        policy.setExpiresAfter(idleNanos, TimeUnit.NANOSECONDS);
      }
    });
  }

  private Share share(int count) {
    long size = Math.max(1, burst / count);
    BucketConfiguration configuration = BucketConfiguration.builder()
        .addLimit(limit -> limit.capacity(size).refillGreedy(ratePerSecond, Duration.ofSeconds(count)))
        .build();
    // An empty bucket is full again after size tokens at ratePerSecond / count a second.
    long fillNanos = (size * count * TimeUnit.SECONDS.toNanos(1) + ratePerSecond - 1) / ratePerSecond;
    return new Share(count, configuration, fillNanos);
  }

  private record Share(int replicas, BucketConfiguration configuration, long fillNanos) {}

  /** A client's bucket and the share it was last configured with. */
  private static final class ClientBucket {
    private final Bucket bucket;
    private volatile Share share;

    ClientBucket(Share share, TimeMeter clock) {
      this.share = share;
      this.bucket = Bucket.builder()
          .addLimit(share.configuration().getBandwidths()[0])
          .withCustomTimePrecision(clock)
          .build();
    }

    Bucket in(Share current) {
      if (share != current) {
        synchronized (this) {
          if (share != current) {
            bucket.replaceConfiguration(current.configuration(), TokensInheritanceStrategy.PROPORTIONALLY);
            share = current;
          }
        }
      }
      return bucket;
    }
  }
}
