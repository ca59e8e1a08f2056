package dev.veil.session.revocation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.testsupport.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;

/** What one replica passes to the nodes following it, for each message on the channel (no Redis). */
class RevocationFeedTest {

  final MutableClock clock = new MutableClock();
  final RevocationFeed feed = new RevocationFeed(null, null,
      new RevocationFeedProperties(Duration.ofSeconds(2), Duration.ofSeconds(2), 4, 16, Duration.ofDays(30)),
      clock, new SimpleMeterRegistry());
  final List<String> heard = new CopyOnWriteArrayList<>();
  final AtomicBoolean ended = new AtomicBoolean();

  @BeforeEach
  void follow() {
    feed.acceptStreams();
    feed.open("nodeX").subscribe(event -> heard.add(event.type() + (event.handle() == null ? "" : " " + event.handle())),
        error -> ended.set(true), () -> ended.set(true));
    feed.accept(ping("E", 0, "run1"));
    heard.clear();
  }

  String ping(String epoch, long seq, String run) {
    return "p " + epoch + " " + seq + " " + clock.millis() + " " + run;
  }

  @Test
  void revocationsReachTheNodesTheyNameAndHeartbeatsEveryNode() {
    feed.accept("r E 1 handleA nodeY nodeX");
    feed.accept("r E 2 handleB nodeY");
    feed.accept(ping("E", 2, "run1"));
    assertThat(heard).containsExactly("revoked handleA", "ping");
  }

  @Test
  void aGapInTheNumbersResetsTheNodes() {
    feed.accept("r E 2 handleA nodeX");
    assertThat(heard).containsExactly("reset", "revoked handleA");
  }

  @Test
  void aHeartbeatAheadOfWhatThisReplicaSawResetsTheNodes() {
    feed.accept(ping("E", 1, "run1"));
    assertThat(heard).containsExactly("reset", "ping");
  }

  @Test
  void aNewEpochResetsTheNodes() {
    feed.accept(ping("F", 0, "run1"));
    assertThat(heard).containsExactly("reset", "ping");
  }

  @Test
  void aRestartedRedisResetsTheNodes() {
    feed.accept(ping("E", 0, "run2"));
    assertThat(heard).containsExactly("reset", "ping");
  }

  @Test
  void aHeartbeatThatArrivesLateResetsTheNodesAndVouchesForNothing() {
    String sent = ping("E", 0, "run1");
    clock.advance(Duration.ofSeconds(3));
    feed.accept(sent);
    assertThat(heard).containsExactly("reset");
  }

  @Test
  void aNodeThatCannotKeepUpIsCutOffAtOnceNotAfterItsQueue() {
    List<String> slow = new CopyOnWriteArrayList<>();
    AtomicBoolean slowEnded = new AtomicBoolean();
    Disposable subscription = feed.open("nodeS").subscribeWith(new BaseSubscriber<FeedEvent>() {
      @Override
      protected void hookOnSubscribe(Subscription subscription) {
        subscription.request(1); // takes one event, then nothing more
      }

      @Override
      protected void hookOnNext(FeedEvent event) {
        slow.add(event.type());
      }

      @Override
      protected void hookOnComplete() {
        slowEnded.set(true);
      }
    });
    for (int i = 0; i < 40 && !slowEnded.get(); i++) {
      feed.accept(ping("E", 0, "run1"));
    }
    assertThat(slowEnded).as("cut off when its queue overflowed").isTrue();
    assertThat(slow).containsExactly("ping");
    assertThat(ended).as("the node that keeps up is not").isFalse();
    subscription.dispose();
  }

  @Test
  void eachNodeMayHoldOnlySoManyStreams() {
    for (int i = 0; i < 3; i++) {
      feed.open("nodeX").subscribe();
    }
    AtomicBoolean refused = new AtomicBoolean();
    feed.open("nodeX").subscribe(event -> { }, error -> refused.set(true));
    assertThat(refused).isTrue();
    AtomicBoolean other = new AtomicBoolean(true);
    feed.open("nodeY").subscribe(event -> { }, error -> other.set(false));
    assertThat(other).isTrue();
  }
}
