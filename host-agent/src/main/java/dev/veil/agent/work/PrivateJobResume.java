package dev.veil.agent.work;

import dev.veil.agent.identity.NodeIdentity;
import dev.veil.agent.logistics.PrivateJobState;
import dev.veil.agent.market.MarketClient;
import dev.veil.model.market.JobRecord;
import dev.veil.model.market.JobState;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * On start, picks up the private jobs an earlier run of this agent kept: one waiting for its
 * definition waits on for what is left of its deadline; one holding a result holds it on. A job
 * that was running had its containers removed by {@link StartupRecovery} and ended failed; a job
 * the market no longer gives this node is forgotten. Either way its private data is deleted once
 * it has ended.
 */
@Component
class PrivateJobResume {

  private static final Logger log = LoggerFactory.getLogger(PrivateJobResume.class);

  private final KeptJobs kept;
  private final JobLifecycle lifecycle;
  private final MarketClient market;
  private final NodeIdentity node;
  private final Clock clock;

  PrivateJobResume(KeptJobs kept, JobLifecycle lifecycle, MarketClient market, NodeIdentity node, Clock clock) {
    this.kept = kept;
    this.lifecycle = lifecycle;
    this.market = market;
    this.node = node;
    this.clock = clock;
  }

  Mono<Void> resume() {
    // Each job on its own: one whose kept state cannot be read is skipped (and said so), never the rest.
    return Flux.defer(() -> Flux.fromIterable(kept.jobs())).concatMap(jobId -> Mono.fromCallable(() -> kept.state(jobId))
            .flatMap(Mono::justOrEmpty)
            .flatMap(state -> market.job(jobId)
                .map(now -> now.state() == JobState.RUNNING && node.nodeId().equals(now.nodeId()))
                .defaultIfEmpty(false)
                .doOnNext(stillOurs -> {
                  if (stillOurs) {
                    resume(state);
                  } else {
                    kept.forget(jobId);
                  }
                }))
            .onErrorResume(e -> {
              log.warn("could not resume private job {}: {}", jobId, e.toString());
              return Mono.empty();
            }))
        .then()
        .onErrorResume(e -> {
          log.warn("the private jobs of an earlier run could not be listed: {}", e.toString());
          return Mono.empty();
        });
  }

  private void resume(PrivateJobState state) {
    JobRecord job = state.job();
    Duration left = Duration.ofMillis(Math.max(1, state.deadline() - clock.millis()));
    switch (state.phase()) {
      case PrivateJobState.WAITING_FOR_DEFINITION -> lifecycle.resumeWaiting(job, left);
      case PrivateJobState.HOLDING_RESULT -> kept.publicCopy(job.jobId()).ifPresentOrElse(
          publicCopy -> lifecycle.resumeHolding(job, publicCopy, left),
          () -> {
            // Held by an agent version that kept no public copy beside it (and sealed the result
            // whole): it cannot be served, so the job ends saying so rather than being run again.
            log.warn("job {}: a private result held by an earlier version of the agent cannot be restored", job.jobId());
            lifecycle.endUnresumable(job,
                "the private result held before the host was upgraded could not be restored; it was deleted");
          });
      default -> kept.forget(job.jobId());
    }
  }
}
