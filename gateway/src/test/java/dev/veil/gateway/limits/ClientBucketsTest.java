package dev.veil.gateway.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bucket4j.TimeMeter;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Token buckets in memory, on a clock the test moves: no sleeping, no timing assertions. */
class ClientBucketsTest {

  private final AtomicLong nanos = new AtomicLong(TimeUnit.DAYS.toNanos(1));
  private final TimeMeter clock = new TimeMeter() {
    @Override
    public long currentTimeNanos() {
      return nanos.get();
    }

    @Override
    public boolean isWallClockBased() {
      return false;
    }
  };

  private void advance(long millis) {
    nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
  }

  private static int allowedInARow(ClientBuckets buckets, String client, int tries) {
    int allowed = 0;
    for (int i = 0; i < tries; i++) {
      if (buckets.take(client).allowed()) {
        allowed++;
      }
    }
    return allowed;
  }

  @Test
  void aClientGetsItsBurstThenOneTokenPerRefillAndARetryAfterThatSaysWhen() {
    ClientBuckets buckets = new ClientBuckets(2, 5, 1000, () -> 1, clock);

    assertThat(allowedInARow(buckets, "203.0.113.7", 20)).isEqualTo(5);
    ClientBuckets.Decision refused = buckets.take("203.0.113.7");
    assertThat(refused.allowed()).isFalse();
    assertThat(refused.retryAfterSeconds()).isEqualTo(1);

    advance(500); // two tokens a second: one more
    assertThat(allowedInARow(buckets, "203.0.113.7", 5)).isEqualTo(1);
    advance(2000);
    assertThat(allowedInARow(buckets, "203.0.113.7", 10)).isEqualTo(4);
    // Others are not touched by it.
    assertThat(allowedInARow(buckets, "198.51.100.9", 20)).isEqualTo(5);
  }

  @Test
  void retryAfterIsTheWholeSecondsUntilATokenIsBack() {
    ClientBuckets buckets = new ClientBuckets(1, 1, 1000, () -> 1, clock);
    buckets.take("c");
    advance(100);
    assertThat(buckets.take("c").retryAfterSeconds()).isEqualTo(1);

    ClientBuckets slow = new ClientBuckets(1, 1, 1000, () -> 4, clock); // a quarter of 1/s: one token every 4 s
    slow.take("c");
    assertThat(slow.take("c").retryAfterSeconds()).isEqualTo(4);
    advance(2500);
    assertThat(slow.take("c").retryAfterSeconds()).isEqualTo(2);
  }

  @Test
  void aRateSmallerThanTheReplicasIsSharedExactlyNotRoundedUp() {
    ClientBuckets buckets = new ClientBuckets(1, 4, 1000, () -> 4, clock);
    assertThat(allowedInARow(buckets, "c", 10)).isEqualTo(1); // a burst of 4 over 4 replicas
    int allowed = 0;
    for (int second = 0; second < 40; second++) {
      advance(1000);
      allowed += allowedInARow(buckets, "c", 3);
    }
    // 1/s across 4 replicas: 10 tokens in 40 s on this one, not 40.
    assertThat(allowed).isEqualTo(10);
  }

  @Test
  void eachReplicaAllowsItsShareAndBucketsFollowWhenReplicasComeAndGo() {
    AtomicInteger replicas = new AtomicInteger(1);
    ClientBuckets buckets = new ClientBuckets(100, 200, 1000, replicas::get, clock);
    assertThat(allowedInARow(buckets, "a", 500)).isEqualTo(200);

    replicas.set(4);
    // "a" emptied its bucket under one replica; it stays empty at the new share, and refills at that rate.
    assertThat(buckets.take("a").allowed()).isFalse();
    advance(40);
    assertThat(allowedInARow(buckets, "a", 10)).isEqualTo(1);

    assertThat(allowedInARow(buckets, "b", 500)).isEqualTo(50);
    advance(1000); // a quarter of 100/s refilled on this replica
    assertThat(allowedInARow(buckets, "b", 500)).isEqualTo(25);

    replicas.set(1);
    advance(2000);
    assertThat(allowedInARow(buckets, "c", 500)).isEqualTo(200);
  }

  @Test
  void aMillionClientsPassingOnceKeepAtMostTheBoundWhileABusyClientStaysLimited() {
    ClientBuckets buckets = new ClientBuckets(10, 20, 10_000, () -> 1, clock);
    String busy = "192.0.2.1";
    assertThat(allowedInARow(buckets, busy, 100)).isEqualTo(20);

    int busyAllowed = 0;
    for (int i = 0; i < 1_000_000; i++) {
      assertThat(buckets.take("10." + (i >>> 16) + "." + ((i >>> 8) & 0xff) + "." + (i & 0xff)).allowed()).isTrue();
      if (i % 100 == 0 && buckets.take(busy).allowed()) {
        busyAllowed++; // its bucket dropped and made anew would let it through again
      }
      if (i % 100_000 == 0) {
        assertThat(buckets.clients()).isLessThanOrEqualTo(10_000);
      }
    }
    assertThat(buckets.clients()).isLessThanOrEqualTo(10_000);
    assertThat(busyAllowed).as("the busy client's bucket was kept").isZero();
  }

  @Test
  void aSharedBucketIsKeptUntilItsOwnShareHasRefilledIt() {
    AtomicInteger replicas = new AtomicInteger(3);
    // The share: 33 tokens at 10/3 a second, full again after 9.9 s; buckets are kept for the
    // slowest share yet (one replica's: 100 at 10/s, 10 s) and a second (the cache notes uses to
    // within a second).
    ClientBuckets buckets = new ClientBuckets(10, 100, 1000, replicas::get, clock);
    assertThat(allowedInARow(buckets, "a", 50)).isEqualTo(33);
    advance(10_950);
    assertThat(buckets.clients()).isEqualTo(1);
    advance(100);
    assertThat(buckets.clients()).isZero();

    // Emptied with one replica (10 s to fill), then asked again with 200: its new share, one token
    // at 10/200 a second, takes 20 s to fill, and buckets are kept that long (and a second).
    replicas.set(1);
    assertThat(allowedInARow(buckets, "b", 300)).isEqualTo(100);
    replicas.set(200);
    assertThat(buckets.take("b").allowed()).isFalse();
    advance(20_500);
    assertThat(buckets.clients()).isEqualTo(1);
    advance(600);
    assertThat(buckets.clients()).isZero();
  }

  @Test
  void aBucketIdleLongEnoughToBeFullIsDroppedAndNothingChanges() {
    ClientBuckets buckets = new ClientBuckets(10, 30, 1000, () -> 1, clock);
    assertThat(allowedInARow(buckets, "a", 30)).isEqualTo(30);
    assertThat(buckets.clients()).isEqualTo(1);

    advance(3999); // full after three seconds (30 at 10/s), and the second's slack: kept
    assertThat(buckets.clients()).isEqualTo(1);
    advance(1);
    assertThat(buckets.clients()).isZero();
    assertThat(allowedInARow(buckets, "a", 100)).isEqualTo(30);
  }
}
