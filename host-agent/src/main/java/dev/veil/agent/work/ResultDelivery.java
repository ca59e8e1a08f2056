package dev.veil.agent.work;

import dev.veil.agent.config.AgentProperties;
import dev.veil.agent.logistics.PrivateJobState;
import dev.veil.agent.logistics.ResultVault;
import dev.veil.agent.publish.ResultPublisher;
import dev.veil.agent.run.JobExecution;
import dev.veil.model.market.JobRecord;
import dev.veil.model.result.FlowState;
import dev.veil.model.result.JobStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * How a job's result leaves the host once its ops have ended: published on the market, or, when
 * its owner receives it privately, kept encrypted and held for one collection, and only its empty
 * copy published. A held result counts as a wait on the owner in {@link JobCapacity}.
 */
@Component
class ResultDelivery {

  private static final Logger log = LoggerFactory.getLogger(ResultDelivery.class);

  private final ResultPublisher publisher;
  private final ResultVault vault;
  private final KeptJobs kept;
  private final AgentProperties properties;
  private final Clock clock;

  ResultDelivery(ResultPublisher publisher, ResultVault vault, KeptJobs kept, AgentProperties properties, Clock clock) {
    this.publisher = publisher;
    this.vault = vault;
    this.kept = kept;
    this.properties = properties;
    this.clock = clock;
  }

  /** Publishes the result: the job's state with no more of each op's log than can be published. */
  Mono<Void> publish(JobExecution execution) {
    // Read no more of each op's log than could be published (JSON adds ~5 % to a line of 1,000
    // characters, more to short ones): the publisher cuts what is still too much.
    return Mono.fromCallable(() -> execution.snapshot(properties.maxPublishedLogLines(),
            properties.maxPublishedResultBytes().toBytes() * 8 / 10))
        // Reading the spools: off the event loop.
        .subscribeOn(Schedulers.boundedElastic())
        .onErrorResume(e -> Mono.just(execution.publicCopy().withError("the host could not read the job's logs back: "
            + e.getClass().getSimpleName() + "; they are not included")))
        .flatMap(result -> publisher.publish(execution.jobId(), result));
  }

  /** Publishes a result the host made itself (a job that never ran, or ended without its ops). */
  Mono<Void> publish(String jobId, FlowState result) {
    return publisher.publish(jobId, result);
  }

  /**
   * Keeps the whole result for its owner, runs {@code onKept}, then holds it (see {@link #hold});
   * a result that cannot be kept still ends the job, publicly, with its status and why. The job
   * counts as waiting on its owner ({@code wait}) until it ends.
   */
  Mono<Void> keepAndHold(JobRecord job, JobExecution execution, JobCapacity.OwnerWait wait, Consumer<JobStatus> hostStatus,
      Runnable onKept) {
    return Mono.using(() -> wait, counted -> kept.result(execution)
        // Kept in the private store, and its phase with it (a restart now resumes the hold): the
        // spools are no longer needed, and a shutdown need not wait for this job.
        .then(Mono.defer(() -> kept.phase(job, PrivateJobState.HOLDING_RESULT, clock.millis() + properties.resultDeadline().toMillis())))
        .doOnSuccess(done -> {
          execution.close();
          onKept.run();
        })
        .then(Mono.defer(() -> holding(job, execution.publicCopy(), properties.resultDeadline(), hostStatus)))
        .onErrorResume(e -> {
          log.warn("job {}: its private result could not be kept: {}", job.jobId(), e.toString());
          return publisher.publish(job.jobId(), execution.publicCopy().withError(
              "the host could not keep the private result (" + e.getClass().getSimpleName() + "); it is lost"));
        }), JobCapacity.OwnerWait::close);
  }

  /**
   * Holds a kept result for its owner until it is collected or {@code deadline} passes, then
   * publishes only its empty copy (saying so if it was never collected). The job counts as
   * waiting on its owner ({@code wait}) until it ends.
   */
  Mono<Void> hold(JobRecord job, FlowState publicCopy, Duration deadline, JobCapacity.OwnerWait wait,
      Consumer<JobStatus> hostStatus) {
    return Mono.using(() -> wait, counted -> holding(job, publicCopy, deadline, hostStatus), JobCapacity.OwnerWait::close);
  }

  // The job's kept phase already says HOLDING_RESULT, with this deadline.
  private Mono<Void> holding(JobRecord job, FlowState publicCopy, Duration deadline, Consumer<JobStatus> hostStatus) {
    hostStatus.accept(JobStatus.WAITING_FOR_RESULT);
    vault.expect(job.jobId());
    return vault.hold(job.jobId(), deadline).flatMap(outcome -> publisher.publish(job.jobId(), switch (outcome) {
      case COLLECTED -> publicCopy;
      case EXPIRED -> publicCopy.withError(
          "the private result was not collected within " + properties.resultDeadline().toSeconds() + " s and was deleted");
      case UNCONFIRMED -> publicCopy.withError("the private result was delivered whole through the gateway, but no receipt "
          + "came that its owner took it; it was held again until the deadline (" + properties.resultDeadline().toSeconds()
          + " s) and deleted");
    }));
  }
}
