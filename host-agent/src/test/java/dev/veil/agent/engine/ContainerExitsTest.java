package dev.veil.agent.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

class ContainerExitsTest {

  private static final Duration AT_MOST = Duration.ofSeconds(5);

  private final FakeEngine engine = new FakeEngine();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final ContainerExits exits = new ContainerExits(engine, meters, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMinutes(10));

  @AfterEach
  void stop() {
    exits.stop();
  }

  @Test
  void aContainerThatEndedBeforeAnyoneWaitedIsFoundByInspection() {
    exits.start();
    engine.exited.put("c1", 3);

    StepVerifier.create(exits.awaitExit("c1")).expectNext(3).expectComplete().verify(AT_MOST);
  }

  @Test
  void aDeathEventCompletesTheWaitWithTheInspectedExitCode() {
    exits.start();
    engine.awaitConnections(1);

    StepVerifier.create(exits.awaitExit("c1"))
        .then(() -> engine.awaitInspections("c1", 1))
        .expectNoEvent(Duration.ofMillis(100))
        .then(() -> engine.die("c1", 42))
        .expectNext(42)
        .expectComplete()
        .verify(AT_MOST);
  }

  @Test
  void aDeathFollowedByARestartKeepsWaitingUntilTheContainerReallyEnds() {
    exits.start();
    engine.awaitConnections(1);

    StepVerifier.create(exits.awaitExit("c1"))
        .then(() -> engine.current.tryEmitNext(new ContainerSignal.Died("c1"))) // restart policy: running again
        .then(() -> engine.awaitInspections("c1", 2))
        .expectNoEvent(Duration.ofMillis(100))
        .then(() -> engine.die("c1", 0))
        .expectNext(0)
        .expectComplete()
        .verify(AT_MOST);
  }

  @Test
  void anExitWhileTheEventStreamWasBrokenIsFoundWhenItReopens() {
    exits.start();
    engine.awaitConnections(1);

    StepVerifier.create(exits.awaitExit("c1"))
        .then(() -> engine.awaitInspections("c1", 1))
        .then(() -> {
          engine.refuseConnections = true;
          engine.current.tryEmitError(new IOException("engine restarted"));
          engine.exited.put("c1", 137); // no event: nobody was listening
        })
        .expectNoEvent(Duration.ofMillis(200))
        .then(() -> engine.refuseConnections = false)
        .expectNext(137)
        .expectComplete()
        .verify(AT_MOST);
    assertThat(meters.counter("veil.agent.engine.events.reconnects").count()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void anEventStreamTheEngineEndsIsOpenedAgain() {
    exits.start();
    engine.awaitConnections(1);
    engine.current.tryEmitComplete();

    engine.awaitConnections(2);
    StepVerifier.create(exits.awaitExit("c1"))
        .then(() -> engine.awaitInspections("c1", 1))
        .then(() -> engine.die("c1", 5))
        .expectNext(5)
        .expectComplete()
        .verify(AT_MOST);
  }

  @Test
  void anExitWhoseEventNeverCameIsFoundByTheSweep() {
    ContainerExits sweeping = new ContainerExits(engine, meters, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(50));
    sweeping.start();
    try {
      engine.awaitConnections(1);
      StepVerifier.create(sweeping.awaitExit("c1"))
          .then(() -> engine.awaitInspections("c1", 1))
          .then(() -> engine.exited.put("c1", 9)) // and no event, ever
          .expectNext(9)
          .expectComplete()
          .verify(AT_MOST);
    } finally {
      sweeping.stop();
    }
  }

  @Test
  void aContainerThatDisappearsFailsTheWait() {
    exits.start();
    engine.gone.add("c1");

    StepVerifier.create(exits.awaitExit("c1")).expectError(ContainerGoneException.class).verify(AT_MOST);
  }

  @Test
  void deathsOfContainersNobodyWaitsForCostNoInspection() {
    exits.start();
    engine.awaitConnections(1);
    engine.die("other", 1);
    StepVerifier.create(exits.awaitExit("c1"))
        .then(() -> engine.die("c1", 2))
        .expectNext(2)
        .expectComplete()
        .verify(AT_MOST);

    assertThat(engine.inspections).doesNotContainKey("other");
  }

  @Test
  void aCancelledWaitIsForgotten() {
    exits.start();
    exits.awaitExit("c1").subscribe().dispose();

    assertThat(meters.get("veil.agent.engine.exits.awaited").gauge().value()).isZero();
  }

  @Test
  void waitsStillOpenAtShutdownFailRatherThanHang() {
    exits.start();
    engine.awaitConnections(1);
    StepVerifier.create(exits.awaitExit("c1"))
        .then(() -> engine.awaitInspections("c1", 1))
        .then(exits::stop)
        .expectErrorMessage("the agent is shutting down")
        .verify(AT_MOST);
  }

  /** The engine as ContainerExits sees it: containers running, exited or gone, and one event stream at a time. */
  static final class FakeEngine implements ExitSignals {
    final Map<String, Integer> exited = new ConcurrentHashMap<>();
    final Set<String> gone = ConcurrentHashMap.newKeySet();
    final Map<String, AtomicInteger> inspections = new ConcurrentHashMap<>();
    final AtomicInteger connections = new AtomicInteger();
    volatile boolean refuseConnections;
    volatile Sinks.Many<ContainerSignal> current;

    @Override
    public Flux<ContainerSignal> deaths() {
      if (refuseConnections) {
        return Flux.error(new IOException("connection refused"));
      }
      Sinks.Many<ContainerSignal> stream = Sinks.many().unicast().onBackpressureBuffer();
      stream.tryEmitNext(new ContainerSignal.Connected());
      current = stream;
      connections.incrementAndGet();
      return stream.asFlux();
    }

    @Override
    public Mono<Integer> exitCode(String containerId) {
      return Mono.fromCallable(() -> {
        inspections.computeIfAbsent(containerId, id -> new AtomicInteger()).incrementAndGet();
        if (gone.contains(containerId)) {
          throw new ContainerGoneException(containerId);
        }
        return exited.get(containerId);
      });
    }

    void die(String containerId, int code) {
      exited.put(containerId, code);
      current.tryEmitNext(new ContainerSignal.Died(containerId));
    }

    void awaitConnections(int count) {
      Awaitility.await().atMost(AT_MOST).until(() -> connections.get() >= count);
    }

    void awaitInspections(String containerId, int count) {
      Awaitility.await().atMost(AT_MOST)
          .until(() -> inspections.getOrDefault(containerId, new AtomicInteger()).get() >= count);
    }
  }
}
