package dev.veil.market.claims;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ReapGraceTest {

  private final AtomicLong now = new AtomicLong(1_000);
  private final ReapGrace grace = new ReapGrace(Duration.ofSeconds(30), Duration.ofSeconds(15), now::get);

  private boolean sweepAfter(long seconds) {
    now.addAndGet(Duration.ofSeconds(seconds).toNanos());
    return grace.mayReap();
  }

  @Test
  void nothingIsReapedUntilHostsHadAFullGraceSinceTheMarketStarted() {
    for (int i = 0; i < 14; i++) {
      assertThat(sweepAfter(2)).as("sweep %d", i).isFalse();
    }
    assertThat(sweepAfter(2)).isTrue();
    assertThat(sweepAfter(2)).isTrue();
  }

  @Test
  void aFailedSweepStartsTheGraceAgain() {
    for (int i = 0; i < 16; i++) {
      sweepAfter(2);
    }
    assertThat(sweepAfter(2)).isTrue();
    grace.failed();
    for (int i = 0; i < 14; i++) {
      assertThat(sweepAfter(2)).as("sweep %d after the failure", i).isFalse();
    }
    assertThat(sweepAfter(2)).isTrue();
  }

  @Test
  void aMarketThatStoodStillGivesHostsTheGraceAgain() {
    for (int i = 0; i < 16; i++) {
      sweepAfter(2);
    }
    assertThat(sweepAfter(2)).isTrue();
    // Paused for 40 s: every lease looks expired, but no host could have renewed.
    assertThat(sweepAfter(40)).isFalse();
    assertThat(sweepAfter(14)).isFalse();
    assertThat(sweepAfter(14)).isFalse();
    assertThat(sweepAfter(2)).isTrue();
  }
}
