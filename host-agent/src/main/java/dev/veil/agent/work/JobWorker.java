package dev.veil.agent.work;

import dev.veil.agent.config.AgentProperties;
import dev.veil.agent.expose.ServiceExposer;
import dev.veil.agent.market.MarketClient;
import dev.veil.agent.run.JobExecution;
import dev.veil.agent.run.JobExecutor;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

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

  private final MarketClient market;
  private final JobExecutor executor;
  private final ServiceExposer exposer;
  private final StartupRecovery recovery;
  private final AgentProperties properties;
  private final Map<String, JobExecution> running = new ConcurrentHashMap<>();
  private final Disposable.Composite loops = Disposables.composite();
  private volatile boolean accepting;
  private volatile boolean started;

  public JobWorker(MarketClient market, JobExecutor executor, ServiceExposer exposer, StartupRecovery recovery,
      AgentProperties properties, MeterRegistry meters) {
    this.market = market;
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
    loops.add(recovery.recover()
        .onErrorResume(e -> {
          log.warn("recovery of an earlier run failed: {}", e.toString());
          return Mono.empty();
        })
        .thenMany(Flux.interval(Duration.ZERO, properties.heartbeatInterval())
            .concatMap(tick -> market.register().onErrorResume(e -> {
              log.warn("node registration failed, will retry: {}", e.getMessage());
              return Mono.empty();
            })))
        .subscribe());
    for (int i = 0; i < properties.concurrency(); i++) {
      loops.add(Mono.defer(() -> accepting ? market.claim(properties.claimWait()) : Mono.<JobRecord>empty())
          .flatMap(this::runDetached)
          .onErrorResume(e -> {
            log.warn("claim loop: {}; retrying in {} s", e.getMessage(), retry.toSeconds());
            return Mono.delay(retry).then();
          })
          .repeat(() -> accepting)
          .subscribe());
    }
  }

  /**
   * Runs the job in a subscription of its own, so that stopping the claim loops on shutdown does
   * not cancel it; the loop only waits for it to end before claiming again.
   */
  private Mono<Void> runDetached(JobRecord job) {
    Sinks.Empty<Void> ended = Sinks.empty();
    handle(job)
        .doFinally(signal -> ended.tryEmitEmpty())
        .subscribe(null, error -> log.warn("job {} could not be completed: {}", job.jobId(), error.getMessage()));
    return ended.asMono();
  }

  private Mono<Void> handle(JobRecord job) {
    if (job.definition().sendsDefinitionPrivately()) {
      // Private definitions are served by the private-flows part of the agent; without it the job is ended honestly.
      return market.publish(job.jobId(), new FlowState(JobStatus.LOGISTICS_ERROR, job.claimedAt(), job.claimedAt(),
          List.of("this host does not accept private job definitions"), List.of())).then();
    }
    return run(job, new JobExecution(job, job.definition(), properties.logMemoryLines(),
        properties.dataDir().resolve("logs")));
  }

  private Mono<Void> run(JobRecord job, JobExecution execution) {
    running.put(job.jobId(), execution);
    log.info("job {} claimed: {} op(s)", job.jobId(), execution.ops().size());
    java.util.concurrent.atomic.AtomicBoolean lostClaim = new java.util.concurrent.atomic.AtomicBoolean();
    Disposable heartbeats = Flux.interval(properties.heartbeatInterval())
        .concatMap(tick -> market.heartbeat(job.jobId(), JobStatus.RUNNING)
            .doOnNext(beat -> {
              if (beat.stopRequested()) {
                execution.addError("stopped by its owner");
                execution.stop("stopped by its owner");
              }
            })
            .switchIfEmpty(Mono.fromRunnable(() -> {
              // The market gave the job to another host: stop, and publish nothing.
              lostClaim.set(true);
              execution.stop("this host lost its claim on the job");
            }))
            .onErrorResume(e -> Mono.empty()))
        .subscribe();
    return executor.run(execution)
        .doFinally(signal -> heartbeats.dispose())
        .flatMap(done -> lostClaim.get() ? Mono.empty() : market.publish(job.jobId(), publishable(execution)).then())
        .doOnSuccess(v -> log.info("job {} ended: {}", job.jobId(), execution.status().name().toLowerCase()))
        .doFinally(signal -> {
          running.remove(job.jobId());
          exposer.forget(execution);
          execution.close();
        });
  }

  /** The result to publish: the full one, or only status, times and errors when the owner receives privately. */
  private FlowState publishable(JobExecution execution) {
    FlowState full = execution.snapshot(properties.maxPublishedLogLines());
    return execution.definition().receivesResultPrivately() ? full.publicCopy() : full;
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
