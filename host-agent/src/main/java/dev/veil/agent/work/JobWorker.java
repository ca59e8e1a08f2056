package dev.veil.agent.work;

import dev.veil.agent.config.AgentProperties;
import dev.veil.agent.engine.ContainerEngine;
import dev.veil.agent.expose.ServiceExposer;
import dev.veil.agent.logistics.HeldJobs;
import dev.veil.agent.logistics.JobDefinitionListener;
import dev.veil.agent.logistics.PrivateJobState;
import dev.veil.agent.logistics.PrivateStore;
import dev.veil.agent.logistics.ResultVault;
import dev.veil.agent.market.MarketClient;
import dev.veil.agent.publish.ResultPublisher;
import dev.veil.agent.tunnel.GatewayTunnel;
import dev.veil.agent.run.JobExecution;
import dev.veil.agent.run.JobExecutor;
import dev.veil.agent.run.LogSpools;
import dev.veil.model.job.JobDefinition;
import dev.veil.model.json.VeilJson;
import dev.veil.model.market.JobRecord;
import dev.veil.model.result.FlowState;
import dev.veil.model.result.JobStatus;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * The agent's work: recover from an earlier run, register and heartbeat the node, and run
 * {@code concurrency} claim loops. Each claimed job is heart-beaten while it runs (a stop asked by
 * its owner reaches it this way), its result is published, and every container is removed.
 *
 * <p>On shutdown no new job is claimed; running jobs get {@code drain-timeout} to finish, then
 * they are stopped and their results published.
 */
@Component
public class JobWorker implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(JobWorker.class);
  // Names in the private store (ResultVault serves the first).
  private static final String FULL_RESULT = ResultVault.RESULT;
  private static final String PUBLIC_COPY = "public";

  private final MarketClient market;
  private final ResultPublisher publisher;
  private final LogSpools spools;
  private final JobExecutor executor;
  private final ServiceExposer exposer;
  private final StartupRecovery recovery;
  private final HeldJobs held;
  private final JobDefinitionListener definitions;
  private final ResultVault vault;
  private final PrivateStore store;
  private final dev.veil.agent.identity.NodeIdentity node;
  private final AgentProperties properties;
  private final java.time.Clock clock;
  private final MeterRegistry meters;
  private final ContainerEngine engine;
  private final GatewayTunnel tunnel;
  private final AtomicBoolean tunnelDown = new AtomicBoolean();
  private final AtomicBoolean engineDown = new AtomicBoolean();
  private final Map<String, JobExecution> running = new ConcurrentHashMap<>();
  private final Disposable.Composite loops = Disposables.composite();
  private volatile boolean accepting;
  private volatile boolean started;

  public JobWorker(MarketClient market, ResultPublisher publisher, LogSpools spools, JobExecutor executor, ServiceExposer exposer, StartupRecovery recovery,
      HeldJobs held, JobDefinitionListener definitions, ResultVault vault, PrivateStore store, AgentProperties properties,
      MeterRegistry meters, java.time.Clock clock, dev.veil.agent.identity.NodeIdentity node, ContainerEngine engine,
      GatewayTunnel tunnel) {
    this.engine = engine;
    this.tunnel = tunnel;
    this.store = store;
    this.node = node;
    this.clock = clock;
    this.meters = meters;
    this.held = held;
    this.definitions = definitions;
    this.vault = vault;
    this.market = market;
    this.publisher = publisher;
    this.spools = spools;
    this.executor = executor;
    this.exposer = exposer;
    this.recovery = recovery;
    this.properties = properties;
    Gauge.builder("veil.agent.jobs.running", running, Map::size).register(meters);
  }

  /** Jobs running now, by ID. */
  public Map<String, JobExecution> running() {
    return running;
  }

  @Override
  public void start() {
    started = true;
    accepting = true;
    Duration retry = Duration.ofSeconds(2);
    Sinks.Empty<Void> registered = Sinks.empty();
    loops.add(recovery.recover()
        .onErrorResume(e -> {
          log.warn("recovery of an earlier run failed: {}", e.toString());
          return Mono.empty();
        })
        .then(resumePrivateJobs())
        .thenMany(Flux.interval(Duration.ZERO, properties.heartbeatInterval())
        // Ticks that come while the previous call still runs are dropped, not queued: a slow moment must not end the loop.
        .onBackpressureDrop()
            .concatMap(tick -> market.register()
                .doOnSuccess(done -> registered.tryEmitEmpty())
                .onErrorResume(e -> {
                  log.warn("node registration failed, will retry: {}", e.getMessage());
                  return Mono.empty();
                })))
        .subscribe());
    // Claims wait for recovery and the first registration: the market refuses a node it does not know.
    for (int i = 0; i < properties.concurrency(); i++) {
      loops.add(registered.asMono().then(Mono.defer(() -> accepting ? claimWhenReady(retry) : Mono.<JobRecord>empty())
          .flatMap(this::runDetached)
          .onErrorResume(e -> {
            log.warn("claim loop: {}; retrying in {} s", e.getMessage(), retry.toSeconds());
            return Mono.delay(retry).then();
          })
          .repeat(() -> accepting)
          .then())
          .subscribe());
    }
  }

  /**
   * The next job, but only while the container engine answers and the tunnel to the gateway is
   * open: an agent whose engine is down would claim jobs only to fail them, and one nobody can
   * reach would hold private jobs whose owners cannot send their definitions or collect their
   * results. Until both are back, nothing is claimed (the health endpoint says why) and the loop
   * looks again every {@code retry}.
   */
  private Mono<JobRecord> claimWhenReady(Duration retry) {
    if (!tunnel.isConnected()) {
      if (tunnelDown.compareAndSet(false, true)) {
        log.warn("no tunnel to the gateway: no job is claimed until it is open");
      }
      meters.counter("veil.agent.claims.paused").increment();
      return Mono.delay(retry).then(Mono.<JobRecord>empty());
    }
    if (tunnelDown.compareAndSet(true, false)) {
      log.info("the tunnel to the gateway is open: claiming jobs");
    }
    return engine.ping().flatMap(up -> {
      if (up) {
        if (engineDown.compareAndSet(true, false)) {
          log.info("the container engine answers again: claiming jobs");
        }
        return market.claim(properties.claimWait());
      }
      if (engineDown.compareAndSet(false, true)) {
        log.warn("the container engine does not answer: no job is claimed until it does");
      }
      meters.counter("veil.agent.claims.paused").increment();
      return Mono.delay(retry).then(Mono.<JobRecord>empty());
    });
  }

  /**
   * Picks up private jobs an earlier run of this agent kept: one waiting for its definition waits
   * on for what is left of its deadline; one holding a result holds it on. A job that was running
   * had its containers removed by recovery and ends failed; a job the market no longer gives this
   * node is forgotten. Either way its private data is deleted once it has ended.
   */
  private Mono<Void> resumePrivateJobs() {
    return Flux.fromIterable(store.jobs()).concatMap(jobId -> Mono.justOrEmpty(store.get(jobId, "state"))
            .map(bytes -> VeilJson.readStrict(bytes, PrivateJobState.class))
            .flatMap(state -> market.job(jobId)
                .map(now -> now.state() == dev.veil.model.market.JobState.RUNNING && node.nodeId().equals(now.nodeId()))
                .defaultIfEmpty(false)
                .doOnNext(stillOurs -> {
                  if (stillOurs) {
                    resume(state);
                  } else {
                    store.delete(jobId);
                  }
                }))
            .onErrorResume(e -> {
              log.warn("could not resume private job {}: {}", jobId, e.getMessage());
              return Mono.empty();
            }))
        .then();
  }

  private void resume(PrivateJobState state) {
    JobRecord job = state.job();
    Duration left = Duration.ofMillis(Math.max(1, state.deadline() - clock.millis()));
    switch (state.phase()) {
      case PrivateJobState.WAITING_FOR_DEFINITION -> {
        log.info("job {}: still waiting for its private definition after a restart", job.jobId());
        runDetached(() -> begin(job, left));
      }
      case PrivateJobState.HOLDING_RESULT -> {
        var kept = store.get(job.jobId(), PUBLIC_COPY);
        if (kept.isEmpty()) {
          // Held by an agent version that kept no public copy beside it (and sealed the result
          // whole): it cannot be served, so the job ends saying so rather than being run again.
          log.warn("job {}: a private result held by an earlier version of the agent cannot be restored", job.jobId());
          runDetached(() -> publisher.publish(job.jobId(), new FlowState(JobStatus.FAILED, job.claimedAt(), clock.millis(),
              List.of("the private result held before the host was upgraded could not be restored; it was deleted"), List.of()))
              .doFinally(signal -> store.delete(job.jobId())));
          return;
        }
        log.info("job {}: still holding its private result after a restart", job.jobId());
        FlowState publicCopy = VeilJson.readStrict(kept.get(), FlowState.class);
        runDetached(() -> resumeHolding(job, publicCopy, left));
      }
      default -> store.delete(job.jobId());
    }
  }

  private Mono<Void> resumeHolding(JobRecord job, FlowState publicCopy, Duration left) {
    held.hold(job);
    AtomicReference<JobStatus> hostStatus = new AtomicReference<>(JobStatus.WAITING_FOR_RESULT);
    Disposable heartbeats = Flux.interval(Duration.ZERO, properties.heartbeatInterval())
        // Ticks that come while the previous call still runs are dropped, not queued: a slow moment must not end the loop.
        .onBackpressureDrop()
        .concatMap(tick -> market.heartbeat(job.jobId(), hostStatus.get()).onErrorResume(e -> Mono.empty()))
        .subscribe();
    return holdResult(job, publicCopy, left, hostStatus).doFinally(signal -> {
      heartbeats.dispose();
      held.end(job.jobId());
      store.delete(job.jobId());
    });
  }

  /**
   * Runs the job in a subscription of its own, so that stopping the claim loops on shutdown does
   * not cancel it; the loop only waits for it to end before claiming again.
   */
  private Mono<Void> runDetached(JobRecord job) {
    return runDetached(() -> handle(job));
  }

  private Mono<Void> runDetached(java.util.function.Supplier<Mono<Void>> work) {
    Sinks.Empty<Void> ended = Sinks.empty();
    work.get()
        .doFinally(signal -> ended.tryEmitEmpty())
        .subscribe(null, error -> log.warn("a job could not be completed: {}", error.getMessage()));
    return ended.asMono();
  }

  private Mono<Void> handle(JobRecord job) {
    return begin(job, properties.definitionDeadline());
  }

  /**
   * A job from its claim, or, for one a restarted agent found still waiting for its private
   * definition, from there: it waits {@code definitionWait} for it.
   */
  private Mono<Void> begin(JobRecord job, Duration definitionWait) {
    held.hold(job);
    AtomicReference<JobStatus> hostStatus = new AtomicReference<>(
        job.definition().sendsDefinitionPrivately() ? JobStatus.WAITING_FOR_JOB_DEFINITION : JobStatus.RUNNING);
    Sinks.One<String> stopAsked = Sinks.one();
    AtomicReference<String> stopReason = new AtomicReference<>();
    AtomicBoolean lostClaim = new AtomicBoolean();
    Runnable ownerStop = () -> {
      if (stopReason.compareAndSet(null, "stopped by its owner")) {
        stopAsked.tryEmitValue(stopReason.get());
      }
    };
    // The owner's stop is pushed: the job's public event stream says so the moment it is asked.
    // The heartbeat below carries it too, should the stream be down.
    Disposable stopPushed = market.stopRequested(job.jobId())
        .doOnNext(pushed -> meters.counter("veil.agent.stops.pushed").increment())
        .subscribe(pushed -> ownerStop.run());
    Disposable heartbeats = Flux.interval(Duration.ZERO, properties.heartbeatInterval())
        // Ticks that come while the previous call still runs are dropped, not queued: a slow moment must not end the loop.
        .onBackpressureDrop()
        .concatMap(tick -> market.heartbeat(job.jobId(), hostStatus.get())
            .doOnNext(beat -> {
              if (beat.stopRequested()) {
                ownerStop.run();
              }
            })
            .switchIfEmpty(Mono.fromRunnable(() -> {
              // The market gave the job to another host: stop, and publish nothing.
              lostClaim.set(true);
              if (stopReason.compareAndSet(null, "this host lost its claim on the job")) {
                stopAsked.tryEmitValue(stopReason.get());
              }
            }))
            .onErrorResume(e -> Mono.empty()))
        .subscribe();
    boolean isPrivate = job.definition().sendsDefinitionPrivately() || job.definition().receivesResultPrivately();
    Mono<JobDefinition> definition;
    if (job.definition().sendsDefinitionPrivately()) {
      keep(job, PrivateJobState.WAITING_FOR_DEFINITION, clock.millis() + definitionWait.toMillis());
      definition = definitions.await(job, stopAsked.asMono(), definitionWait).doOnNext(received -> {
        store.put(job.jobId(), "definition", VeilJson.write(received));
        keep(job, PrivateJobState.RUNNING, 0);
      });
    } else {
      if (isPrivate) {
        keep(job, PrivateJobState.RUNNING, 0);
      }
      definition = Mono.just(job.definition());
    }
    // No definition (stopped, or its deadline passed): nothing ran, and the result says why. A run,
    // which ends empty too, has published its own result.
    Mono<Void> nothingRan = Mono.defer(() -> lostClaim.get() ? Mono.empty() : publisher.publish(job.jobId(),
        new FlowState(stopReason.get() != null ? JobStatus.STOPPED : JobStatus.LOGISTICS_ERROR,
            job.claimedAt(), clock.millis(),
            List.of(stopReason.get() != null
                ? "stopped by its owner before its definition arrived; nothing ran"
                : "the job definition was not received within " + properties.definitionDeadline().toSeconds()
                    + " s; nothing ran"), List.of())).then());
    return definition
        .map(java.util.Optional::of)
        .defaultIfEmpty(java.util.Optional.empty())
        .flatMap(received -> received.map(d -> run(job, d, hostStatus, stopAsked, lostClaim)).orElse(nothingRan))
        .doFinally(signal -> {
          heartbeats.dispose();
          stopPushed.dispose();
          held.end(job.jobId());
          // Whatever was kept for it (state, definition, held result) goes when the job has ended.
          store.delete(job.jobId());
        });
  }

  private void keep(JobRecord job, String phase, long deadline) {
    store.put(job.jobId(), "state", VeilJson.write(new PrivateJobState(job, phase, deadline)));
  }

  /**
   * Keeps the whole result for its owner in the private store, every log line included, written
   * as it is serialized (memory for one line at a time), and its public copy beside it.
   */
  private Mono<Void> keepResult(JobExecution execution) {
    // Disk writes and encryption: on the bounded-elastic scheduler.
    return Mono.fromRunnable(() -> {
      store.write(execution.jobId(), FULL_RESULT, out -> VeilJson.strict().writeValue(out, execution.fullResult()));
      store.put(execution.jobId(), PUBLIC_COPY, VeilJson.write(execution.publicCopy()));
    }).subscribeOn(Schedulers.boundedElastic()).then();
  }

  /** Holds the kept result for its owner, then publishes only its empty copy (saying so if it was never collected). */
  private Mono<Void> holdResult(JobRecord job, FlowState publicCopy, Duration deadline, AtomicReference<JobStatus> hostStatus) {
    keep(job, PrivateJobState.HOLDING_RESULT, clock.millis() + deadline.toMillis());
    hostStatus.set(JobStatus.WAITING_FOR_RESULT);
    vault.expect(job.jobId());
    return vault.hold(job.jobId(), deadline).flatMap(outcome -> {
      FlowState empty = outcome != ResultVault.Outcome.EXPIRED ? publicCopy : publicCopy.withError(
          "the private result was not collected within " + properties.resultDeadline().toSeconds() + " s and was deleted");
      return publisher.publish(job.jobId(), empty);
    });
  }

  private Mono<Void> run(JobRecord job, JobDefinition definition, AtomicReference<JobStatus> hostStatus,
      Sinks.One<String> stopAsked, AtomicBoolean lostClaim) {
    JobExecution execution = new JobExecution(job, definition, properties.logMemoryLines(), spools.root());
    boolean receivePrivately = job.definition().receivesResultPrivately() || definition.receivesResultPrivately();
    if (receivePrivately) {
      vault.expect(job.jobId());
    }
    running.put(job.jobId(), execution);
    hostStatus.set(JobStatus.RUNNING);
    log.info("job {}: running {} op(s)", job.jobId(), execution.ops().size());
    Disposable stops = stopAsked.asMono().subscribe(reason -> {
      execution.addError(reason);
      execution.stop(reason);
    });
    return executor.run(execution)
        .doFinally(signal -> stops.dispose())
        .flatMap(done -> {
          if (lostClaim.get()) {
            return Mono.empty();
          }
          if (!receivePrivately) {
            // Read no more of each op's log than could be published (JSON adds ~5 % to a line of
            // 1,000 characters, more to short ones): the publisher cuts what is still too much.
            return Mono.fromCallable(() -> execution.snapshot(properties.maxPublishedLogLines(),
                    properties.maxPublishedResultBytes().toBytes() * 8 / 10))
                // Reading the spools: off the event loop.
                .subscribeOn(Schedulers.boundedElastic())
                .onErrorResume(e -> Mono.just(execution.publicCopy().withError("the host could not read the job's logs back: "
                    + e.getClass().getSimpleName() + "; they are not included")))
                .flatMap(result -> publisher.publish(job.jobId(), result));
          }
          return keepResult(execution)
              // Kept in the private store: the spools are no longer needed while the result is held.
              .doOnSuccess(kept -> execution.close())
              .then(Mono.defer(() -> holdResult(job, execution.publicCopy(), properties.resultDeadline(), hostStatus)))
              .onErrorResume(e -> {
                // A result that could not be kept still ends the job, with its status and why.
                log.warn("job {}: its private result could not be kept: {}", job.jobId(), e.toString());
                return publisher.publish(job.jobId(), execution.publicCopy().withError(
                    "the host could not keep the private result (" + e.getClass().getSimpleName() + "); it is lost"));
              });
        })
        .doOnSuccess(v -> log.info("job {} ended: {}", job.jobId(), execution.status().name().toLowerCase()))
        .doFinally(signal -> {
          running.remove(job.jobId());
          exposer.forget(execution);
          execution.close();
        });
  }


  @Override
  public void stop(Runnable callback) {
    accepting = false;
    loops.dispose();
    Thread drain = new Thread(() -> {
      drain();
      callback.run();
    }, "veil-agent-drain");
    drain.start();
  }

  // Shutdown, off every request path: waits for running jobs, then stops what is left.
  private void drain() {
    long deadline = System.nanoTime() + properties.drainTimeout().toNanos();
    while (!running.isEmpty() && System.nanoTime() < deadline) {
      sleepQuietly(200);
    }
    running.values().forEach(execution -> {
      execution.addError("the host shut down");
      execution.stop("the host shut down");
    });
    CountDownLatch settle = new CountDownLatch(1);
    Flux.interval(Duration.ofMillis(200)).filter(t -> running.isEmpty()).next().subscribe(t -> settle.countDown());
    try {
      settle.await(properties.stopGrace().toSeconds() + 30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    started = false;
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis); // polling during shutdown, not waiting out a deadline in a test
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void stop() {
    stop(() -> { });
  }

  @Override
  public boolean isRunning() {
    return started;
  }

  @Override
  public int getPhase() {
    // Stop before the web server: jobs drain while the API still answers.
    return Integer.MAX_VALUE - 2048;
  }
}
