package dev.veil.agent.work;

import dev.veil.agent.config.AgentProperties;
import dev.veil.agent.expose.ServiceExposer;
import dev.veil.agent.logistics.HeldJobs;
import dev.veil.agent.logistics.JobDefinitionListener;
import dev.veil.agent.logistics.PrivateJobState;
import dev.veil.agent.logistics.ResultVault;
import dev.veil.agent.market.MarketClient;
import dev.veil.agent.run.JobExecution;
import dev.veil.agent.run.JobExecutor;
import dev.veil.agent.run.LogSpools;
import dev.veil.agent.run.RunningJobs;
import dev.veil.agent.support.Periodic;
import dev.veil.model.job.JobDefinition;
import dev.veil.model.market.HeartbeatResponse;
import dev.veil.model.market.JobRecord;
import dev.veil.model.result.FlowState;
import dev.veil.model.result.JobStatus;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.retry.Retry;

/**
 * One job on this host, from its claim to its end: it waits for its private definition if it
 * has one to wait for, runs once it has a run slot, and has its result delivered. While it is
 * held it is heart-beaten (the market would give it to another host otherwise), and a stop asked
 * by its owner reaches it, pushed from the market's event stream, or on a heartbeat should the
 * stream be down. Whatever was kept for it goes when it ends.
 *
 * <p>Each job runs in a subscription of its own: stopping the claim loop on shutdown does not
 * cancel it.
 */
@Component
class JobLifecycle {

  private static final Logger log = LoggerFactory.getLogger(JobLifecycle.class);
  private static final Duration HEARTBEAT_RETRY_FIRST = Duration.ofSeconds(1);
  private static final Duration HEARTBEAT_RETRY_MAX = Duration.ofSeconds(5);

  private final MarketClient market;
  private final JobExecutor executor;
  private final ServiceExposer exposer;
  private final JobCapacity capacity;
  private final ResultDelivery delivery;
  private final HeldJobs held;
  private final JobDefinitionListener definitions;
  private final ResultVault vault;
  private final KeptJobs kept;
  private final RunningJobs running;
  private final LogSpools spools;
  private final AgentProperties properties;
  private final Clock clock;
  private final MeterRegistry meters;
  private final AtomicInteger ending = new AtomicInteger();

  JobLifecycle(MarketClient market, JobExecutor executor, ServiceExposer exposer, JobCapacity capacity,
      ResultDelivery delivery, HeldJobs held, JobDefinitionListener definitions, ResultVault vault, KeptJobs kept,
      RunningJobs running, LogSpools spools, AgentProperties properties, Clock clock, MeterRegistry meters) {
    this.market = market;
    this.executor = executor;
    this.exposer = exposer;
    this.capacity = capacity;
    this.delivery = delivery;
    this.held = held;
    this.definitions = definitions;
    this.vault = vault;
    this.kept = kept;
    this.running = running;
    this.spools = spools;
    this.properties = properties;
    this.clock = clock;
    this.meters = meters;
  }

  /** A job just claimed. */
  void claimed(JobRecord job) {
    detached(job, () -> begin(job, properties.definitionDeadline()));
  }

  /** A job a restarted agent found still waiting for its private definition, for what is left of its wait. */
  void resumeWaiting(JobRecord job, Duration left) {
    log.info("job {}: still waiting for its private definition after a restart", job.jobId());
    detached(job, () -> begin(job, left));
  }

  /** A job a restarted agent found holding its private result, for what is left of its hold. */
  void resumeHolding(JobRecord job, FlowState publicCopy, Duration left) {
    log.info("job {}: still holding its private result after a restart", job.jobId());
    detached(job, () -> {
      held.hold(job);
      AtomicReference<JobStatus> hostStatus = new AtomicReference<>(JobStatus.WAITING_FOR_RESULT);
      Disposable heartbeats = heartbeats(job, hostStatus, () -> { }, () -> { });
      return delivery.hold(job, publicCopy, left, capacity.ownerWait(), hostStatus::set).doFinally(signal -> {
        heartbeats.dispose();
        ended(job);
      });
    });
  }

  /** A job whose kept state cannot be picked up again: it ends, saying why, and nothing of it is kept. */
  void endUnresumable(JobRecord job, String why) {
    detached(job, () -> delivery.publish(job.jobId(), hostResult(job, JobStatus.FAILED, why))
        .doFinally(signal -> kept.forget(job.jobId())));
  }

  private void detached(JobRecord job, Supplier<Mono<Void>> work) {
    Mono.defer(work).subscribe(null, error -> log.warn("job {} could not be completed: {}", job.jobId(), error.getMessage()));
  }

  private Mono<Void> begin(JobRecord job, Duration definitionWait) {
    held.hold(job);
    boolean privateDefinition = job.definition().sendsDefinitionPrivately();
    AtomicReference<JobStatus> hostStatus = new AtomicReference<>(
        privateDefinition ? JobStatus.WAITING_FOR_JOB_DEFINITION : JobStatus.RUNNING);
    Sinks.One<String> stopAsked = Sinks.one();
    AtomicReference<String> stopReason = new AtomicReference<>();
    AtomicBoolean lostClaim = new AtomicBoolean();
    AtomicBoolean defined = new AtomicBoolean(!privateDefinition);
    Runnable ownerStop = () -> {
      if (stopReason.compareAndSet(null, "stopped by its owner")) {
        stopAsked.tryEmitValue(stopReason.get());
      }
    };
    // The owner may also stop it here, at the host (Nosana's POST /job/{id}/stop).
    held.stoppable(job.jobId(), ownerStop);
    Runnable claimLost = () -> {
      // The market gave the job to another host (or no longer has it): stop, and publish nothing.
      if (lostClaim.compareAndSet(false, true)) {
        log.warn("job {} lost its claim: the market no longer gives it to this host; it is stopped and nothing is published",
            job.jobId());
      }
      if (stopReason.compareAndSet(null, "this host lost its claim on the job")) {
        stopAsked.tryEmitValue(stopReason.get());
      }
    };
    Disposable.Composite watchers = Disposables.composite();
    AtomicReference<JobCapacity.OwnerWait> ownerWait = new AtomicReference<>();
    Runnable ownerWaitOver = () -> {
      JobCapacity.OwnerWait wait = ownerWait.getAndSet(null);
      if (wait != null) {
        wait.close();
      }
    };
    boolean isPrivate = privateDefinition || job.definition().receivesResultPrivately();
    Mono<JobDefinition> definition;
    if (privateDefinition) {
      // Waiting on the owner takes no run slot: the host claims other jobs meanwhile. The wait is
      // counted at once, before the claim loop goes on, and ends once the run slot is taken or
      // queued for, so the claim loop never sees room that the arriving definition is about to take.
      ownerWait.set(capacity.ownerWait());
      definition = kept.phase(job, PrivateJobState.WAITING_FOR_DEFINITION, clock.millis() + definitionWait.toMillis())
          .then(Mono.defer(() -> definitions.await(job, stopAsked.asMono(), definitionWait)))
          .flatMap(received -> kept.definition(job, received).thenReturn(received))
          .doOnNext(received -> defined.set(true));
    } else {
      // No wait at all before the run slot is asked for: the claim loop sees the slot taken (or
      // this job queued for it) the moment it has handed the job over.
      definition = Mono.just(job.definition());
    }
    // A job whose result is private but whose definition was public is kept from its run on.
    Mono<Void> keptRunning = isPrivate && !privateDefinition ? kept.phase(job, PrivateJobState.RUNNING, 0) : Mono.empty();
    // No definition (stopped, or its deadline passed), or no run slot (stopped while it queued
    // for one, or the host shut down): nothing ran, and the result says why. A run, which ends
    // empty too, has published its own result.
    Mono<Void> nothingRan = Mono.defer(() -> {
      if (lostClaim.get()) {
        return Mono.<Void>empty();
      }
      FlowState result;
      if (stopReason.get() != null) {
        result = hostResult(job, JobStatus.STOPPED, stopReason.get() + " before it ran; nothing ran");
      } else if (defined.get()) {
        result = hostResult(job, JobStatus.FAILED, "the host shut down before the job could run; nothing ran");
      } else {
        result = hostResult(job, JobStatus.LOGISTICS_ERROR, "the job definition was not received within "
            + properties.definitionDeadline().toSeconds() + " s; nothing ran");
      }
      return delivery.publish(job.jobId(), result);
    });
    return Mono.defer(() -> {
          // The owner's stop is pushed: the job's public event stream says so the moment it is
          // asked. The heartbeat carries it too, should the stream be down.
          watchers.add(market.stopRequested(job.jobId())
              .doOnNext(pushed -> meters.counter("veil.agent.stops.pushed").increment())
              .subscribe(pushed -> ownerStop.run()));
          watchers.add(heartbeats(job, hostStatus, ownerStop, claimLost));
          return definition;
        })
        .flatMap(received -> Mono.usingWhen(
            // A run slot, unless a stop comes while the job queues for one.
            capacity.runSlot(stopAsked.asMono()).doOnSubscribe(asked -> ownerWaitOver.run()),
            slot -> keptRunning.then(run(job, received, slot, hostStatus, stopAsked, lostClaim)).thenReturn(true),
            slot -> Mono.fromRunnable(slot::close)))
        .switchIfEmpty(Mono.defer(() -> {
          ending.incrementAndGet();
          return nothingRan.doFinally(signal -> ending.decrementAndGet()).thenReturn(false);
        }))
        .then()
        .onErrorResume(error -> {
          // Whatever failed (the private store, the engine), the job ends and says so.
          log.warn("job {} failed on this host: {}", job.jobId(), error.toString());
          return lostClaim.get() ? Mono.empty() : delivery.publish(job.jobId(), hostResult(job, JobStatus.FAILED,
              "the host failed while handling the job (" + error.getClass().getSimpleName() + ")"));
        })
        .doFinally(signal -> {
          ownerWaitOver.run();
          watchers.dispose();
          ended(job);
        });
  }

  private FlowState hostResult(JobRecord job, JobStatus status, String error) {
    return new FlowState(status, job.claimedAt(), clock.millis(), List.of(error), List.of());
  }

  /** Jobs ending without having run, whose results are being published: a shutdown waits for them. */
  int ending() {
    return ending.get();
  }

  private void ended(JobRecord job) {
    held.end(job.jobId());
    // Whatever was kept for it (state, definition, held result) goes when the job has ended.
    kept.forget(job.jobId());
  }

  /**
   * The job's heartbeat, every {@code heartbeat-interval} while it is held: it renews the claim
   * and says where the job stands. {@code ownerStop} runs when the answer carries a stop;
   * {@code claimLost} when the market no longer gives the job to this host (and it has not ended
   * with this host's result, which a beat may cross on its way). A beat the market
   * does not answer (down, hung, Redis gone) is tried again within seconds rather than at the next
   * interval, so the lease is renewed as soon as the market is back; the job keeps running meanwhile.
   */
  private Disposable heartbeats(JobRecord job, AtomicReference<JobStatus> hostStatus, Runnable ownerStop, Runnable claimLost) {
    return Periodic.every(properties.heartbeatInterval(), () -> market.heartbeat(job.jobId(), hostStatus.get())
            .retryWhen(Retry.backoff(Long.MAX_VALUE, HEARTBEAT_RETRY_FIRST).maxBackoff(HEARTBEAT_RETRY_MAX)
                .doBeforeRetry(failed -> {
                  if (failed.totalRetriesInARow() == 0) {
                    log.warn("job {}: the market did not take its heartbeat ({}); trying again every few seconds",
                        job.jobId(), failed.failure().getClass().getSimpleName());
                  }
                }))
            .doOnNext(beat -> {
              if (beat.stopRequested()) {
                ownerStop.run();
              }
            })
            // Not running on this host any more: lost, unless it was this host's own result that
            // ended it while the beat was on its way (a market that cannot say counts as lost).
            .switchIfEmpty(Mono.defer(() -> market.endedHere(job.jobId()))
                .flatMap(endedHere -> endedHere ? Mono.<HeartbeatResponse>empty() : Mono.<HeartbeatResponse>fromRunnable(claimLost))),
        error -> { })
        .subscribe();
  }

  /** Runs the job's ops in {@code slot}, which is given back as soon as they have ended, before the result is delivered. */
  private Mono<Void> run(JobRecord job, JobDefinition definition, JobCapacity.RunSlot slot,
      AtomicReference<JobStatus> hostStatus, Sinks.One<String> stopAsked, AtomicBoolean lostClaim) {
    JobExecution execution = new JobExecution(job, definition, properties.logMemoryLines(), spools.root());
    boolean receivePrivately = job.definition().receivesResultPrivately() || definition.receivesResultPrivately();
    if (receivePrivately) {
      vault.expect(job.jobId());
    }
    running.add(execution);
    hostStatus.set(JobStatus.RUNNING);
    log.info("job {}: running {} op(s)", job.jobId(), execution.ops().size());
    Disposable stops = stopAsked.asMono().subscribe(reason -> {
      execution.addError(reason);
      execution.stop(reason);
    });
    return executor.run(execution)
        .doFinally(signal -> stops.dispose())
        .flatMap(done -> {
          held.unstoppable(job.jobId());
          if (lostClaim.get()) {
            return Mono.empty();
          }
          if (receivePrivately) {
            // The wait on the owner is counted before the slot is given back, so the claim loop
            // never sees room that is not there.
            JobCapacity.OwnerWait wait = capacity.ownerWait();
            slot.close();
            // Once kept, a held result waits on its owner, not on this host: a shutdown need not wait for it.
            return delivery.keepAndHold(job, execution, wait, hostStatus::set, () -> running.remove(execution));
          }
          slot.close();
          return delivery.publish(execution);
        })
        .doOnSuccess(v -> log.info("job {} ended: {}", job.jobId(), execution.status().name().toLowerCase()))
        .doFinally(signal -> {
          running.remove(execution);
          exposer.forget(execution);
          execution.close();
        });
  }
}
