package dev.veil.agent.engine;

import dev.veil.agent.support.Periodic;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.retry.Retry;

/**
 * Learns when this node's containers exit from one subscription to the engine's event stream,
 * instead of one blocking wait per container, and confirms each exit (and its code) by
 * inspecting the container.
 *
 * <p>No exit is missed: a waiter registers before the container is inspected, so a container that
 * ended before anyone waited is found by that inspection, and one that ends later by its event.
 * When the stream breaks (the engine restarted), it is opened again with a growing back-off, and
 * every container still waited for is inspected once it is open again: deaths while it was down
 * are found that way. A container that dies but is restarted by its restart policy is still
 * running, and is waited for further.
 */
@Component
public class ContainerExits implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(ContainerExits.class);

  private final ExitSignals engine;
  private final Map<String, Sinks.One<Integer>> waiting = new ConcurrentHashMap<>();
  private final Counter reconnects;
  private final AtomicInteger brokenFor = new AtomicInteger();
  private final Duration firstBackoff;
  private final Duration maxBackoff;
  private volatile Disposable stream;
  private volatile Disposable sweep;
  private final Duration sweepInterval;

  @Autowired
  public ContainerExits(ExitSignals engine, MeterRegistry meters) {
    this(engine, meters, Duration.ofMillis(100), Duration.ofSeconds(5), Duration.ofMinutes(1));
  }

  ContainerExits(ExitSignals engine, MeterRegistry meters, Duration firstBackoff, Duration maxBackoff, Duration sweepInterval) {
    this.engine = engine;
    this.sweepInterval = sweepInterval;
    this.firstBackoff = firstBackoff;
    this.maxBackoff = maxBackoff;
    this.reconnects = Counter.builder("veil.agent.engine.events.reconnects")
        .description("times the engine's event stream broke and was opened again").register(meters);
    Gauge.builder("veil.agent.engine.exits.awaited", waiting, Map::size)
        .description("containers whose exit is being waited for").register(meters);
  }

  /**
   * Completes with the container's exit code once it has ended; fails with
   * {@link ContainerGoneException} if it disappears first. One waiter per container.
   */
  public Mono<Integer> awaitExit(String containerId) {
    return Mono.defer(() -> {
      Sinks.One<Integer> exit = waiting.computeIfAbsent(containerId, id -> Sinks.one());
      check(containerId);
      return exit.asMono().doOnCancel(() -> waiting.remove(containerId, exit));
    });
  }

  private void onSignal(ContainerSignal signal) {
    if (signal instanceof ContainerSignal.Connected) {
      if (brokenFor.getAndSet(0) > 0) {
        log.info("engine event stream open again; checking {} awaited container(s)", waiting.size());
      }
      waiting.keySet().forEach(this::check);
    } else if (signal instanceof ContainerSignal.Died died && waiting.containsKey(died.containerId())) {
      check(died.containerId());
    }
  }

  /** Inspects the container and completes its waiter if it has ended; a passing engine failure is retried. */
  private void check(String containerId) {
    engine.exitCode(containerId)
        .retryWhen(Retry.backoff(3, Duration.ofMillis(200)).filter(e -> !(e instanceof ContainerGoneException))
            .onRetryExhaustedThrow((spec, signal) -> signal.failure()))
        .subscribe(code -> {
          Sinks.One<Integer> exit = waiting.remove(containerId);
          if (exit != null) {
            exit.tryEmitValue(code);
          }
        }, error -> {
          if (error instanceof ContainerGoneException) {
            Sinks.One<Integer> exit = waiting.remove(containerId);
            if (exit != null) {
              exit.tryEmitError(error);
            }
          } else {
            // Still waited for: the next death event or the next reconnection checks again.
            log.warn("could not inspect a container whose exit is awaited: {}", error.toString());
          }
        });
  }

  @Override
  public void start() {
    stream = Flux.defer(engine::deaths)
        .concatWith(Mono.error(() -> new IllegalStateException("the engine closed its event stream")))
        .doOnError(error -> {
          reconnects.increment();
          // Once per outage at WARN; the attempts while the engine stays away only at DEBUG.
          if (brokenFor.getAndIncrement() == 0) {
            log.warn("engine event stream broke ({}); opening it again", error.toString());
          } else {
            log.debug("engine event stream still unavailable: {}", error.toString());
          }
        })
        // transientErrors: the back-off starts afresh once a connection has delivered anything.
        .retryWhen(Retry.backoff(Long.MAX_VALUE, firstBackoff).maxBackoff(maxBackoff).transientErrors(true))
        .subscribe(this::onSignal, error -> log.error("engine event stream abandoned: {}", error.toString()));
    // A safety net, not the way exits are learnt: should an engine ever drop a death event, the
    // container is found ended within a minute instead of never. One inspect per awaited
    // container a minute.
    sweep = Periodic.every(sweepInterval, sweepInterval, () -> Flux.fromIterable(waiting.keySet()).doOnNext(this::check),
            error -> log.warn("exit sweep: {}", error.toString()))
        .subscribe();
  }

  @Override
  public void stop() {
    Disposable open = stream;
    stream = null;
    if (open != null) {
      open.dispose();
    }
    if (sweep != null) {
      sweep.dispose();
    }
    waiting.forEach((id, exit) -> exit.tryEmitError(new IllegalStateException("the agent is shutting down")));
    waiting.clear();
  }

  @Override
  public boolean isRunning() {
    return stream != null;
  }

  @Override
  public int getPhase() {
    // Started before, and stopped after, the job worker, whose draining jobs still wait for exits.
    return Integer.MAX_VALUE - 4096;
  }
}
