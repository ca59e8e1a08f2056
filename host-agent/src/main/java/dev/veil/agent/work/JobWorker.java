package dev.veil.agent.work;

import dev.veil.agent.config.AgentProperties;
import dev.veil.agent.logistics.JobDefinitionListener;
import dev.veil.agent.run.JobExecution;
import dev.veil.agent.run.RunningJobs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;

/**
 * The agent's work, in order: clean up after an earlier run ({@link StartupRecovery}), pick up
 * the private jobs it kept ({@link PrivateJobResume}), register the node ({@link NodePresence}),
 * then claim jobs ({@link ClaimLoop}) as {@link JobCapacity} allows, each run by
 * {@link JobLifecycle}.
 *
 * <p>On shutdown no new job is claimed; jobs queued for a run slot end without running, saying
 * why; running jobs get {@code drain-timeout} to finish, then they are stopped and their results
 * published. Jobs waiting on their owner are kept on disk and picked up by the next start.
 */
@Component
public class JobWorker implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(JobWorker.class);
  private static final long SETTLE_POLL_MILLIS = 200;

  private final StartupRecovery recovery;
  private final PrivateJobResume resume;
  private final NodePresence presence;
  private final ClaimLoop claims;
  private final JobLifecycle lifecycle;
  private final RunningJobs running;
  private final JobCapacity capacity;
  private final JobDefinitionListener definitions;
  private final AgentProperties properties;
  private final Disposable.Composite loops = Disposables.composite();
  private volatile boolean started;

  JobWorker(StartupRecovery recovery, PrivateJobResume resume, NodePresence presence, ClaimLoop claims,
      JobLifecycle lifecycle, RunningJobs running, JobCapacity capacity, JobDefinitionListener definitions,
      AgentProperties properties) {
    this.recovery = recovery;
    this.resume = resume;
    this.presence = presence;
    this.claims = claims;
    this.lifecycle = lifecycle;
    this.running = running;
    this.capacity = capacity;
    this.definitions = definitions;
    this.properties = properties;
  }

  @Override
  public void start() {
    started = true;
    loops.add(recovery.recover()
        .onErrorResume(e -> {
          log.warn("recovery of an earlier run failed: {}", e.toString());
          return Mono.empty();
        })
        .then(resume.resume())
        .onErrorResume(e -> {
          log.warn("the private jobs of an earlier run could not be resumed: {}", e.toString());
          return Mono.empty();
        })
        // Registration follows whatever came of the above: a node that never registers claims nothing.
        .subscribe(null, null, () -> loops.add(presence.keep())));
    // Claims wait for recovery and the first registration: the market refuses a node it does not know.
    loops.add(claims.run(presence.registered(), lifecycle::claimed));
  }

  @Override
  public void stop(Runnable callback) {
    loops.dispose();
    // Jobs queued for a run slot end now, saying the host shut down; definitions that arrive
    // from now on are refused with a 503, their jobs kept for the next start.
    capacity.close();
    definitions.close();
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
      sleepQuietly(SETTLE_POLL_MILLIS);
    }
    for (JobExecution execution : running.all()) {
      execution.addError("the host shut down");
      execution.stop("the host shut down");
    }
    long settled = System.nanoTime() + properties.stopGrace().plusSeconds(30).toNanos();
    while ((!running.isEmpty() || lifecycle.ending() > 0) && System.nanoTime() < settled) {
      sleepQuietly(SETTLE_POLL_MILLIS);
    }
    started = false;
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis); // polling during shutdown, off every request path
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
