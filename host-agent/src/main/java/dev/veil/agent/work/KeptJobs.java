package dev.veil.agent.work;

import dev.veil.agent.logistics.PrivateJobState;
import dev.veil.agent.logistics.PrivateStore;
import dev.veil.agent.logistics.ResultVault;
import dev.veil.agent.run.JobExecution;
import dev.veil.model.job.JobDefinition;
import dev.veil.model.json.VeilJson;
import dev.veil.model.market.JobRecord;
import dev.veil.model.result.FlowState;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * What the agent keeps of a private job in the encrypted {@link PrivateStore} so that a restart
 * picks it up where it stood: its phase and deadline, its private definition, its held result
 * (every log line) and that result's empty public copy. Deleted, all of it, when the job ends.
 */
@Component
class KeptJobs {

  private static final String STATE = "state";
  private static final String DEFINITION = "definition";
  // ResultVault serves the full result under this name.
  private static final String FULL_RESULT = ResultVault.RESULT;
  private static final String PUBLIC_COPY = ResultVault.PUBLIC_COPY;

  private final PrivateStore store;

  KeptJobs(PrivateStore store) {
    this.store = store;
  }

  /** Keeps the job's phase and the deadline of its wait. Disk, encryption and a sync: off the event loop, like every write here. */
  Mono<Void> phase(JobRecord job, String phase, long deadline) {
    return offTheEventLoop(() -> store.put(job.jobId(), STATE, VeilJson.write(new PrivateJobState(job, phase, deadline))));
  }

  /** Keeps a private definition that has arrived, and the job's phase with it: running. */
  Mono<Void> definition(JobRecord job, JobDefinition definition) {
    return offTheEventLoop(() -> {
      store.put(job.jobId(), DEFINITION, VeilJson.write(definition));
      store.put(job.jobId(), STATE, VeilJson.write(new PrivateJobState(job, PrivateJobState.RUNNING, 0)));
    });
  }

  /**
   * Keeps the whole result for its owner, every log line included, written as it is serialized
   * (memory for one line at a time), its log as its owner follows it, and its public copy beside it.
   */
  Mono<Void> result(JobExecution execution) {
    return offTheEventLoop(() -> {
      store.write(execution.jobId(), FULL_RESULT, out -> VeilJson.strict().writeValue(out, execution.fullResult()));
      // The live log too, in its order, so its owner can still follow or resume it while the result is held.
      store.write(execution.jobId(), ResultVault.LOGS, execution.journal()::writeTo);
      store.put(execution.jobId(), PUBLIC_COPY, VeilJson.write(execution.publicCopy()));
    });
  }

  private static Mono<Void> offTheEventLoop(Runnable write) {
    return Mono.fromRunnable(write).subscribeOn(Schedulers.boundedElastic()).then();
  }

  /** Every job something is kept for. */
  List<String> jobs() {
    return store.jobs();
  }

  Optional<PrivateJobState> state(String jobId) {
    return store.get(jobId, STATE).map(bytes -> VeilJson.readStrict(bytes, PrivateJobState.class));
  }

  Optional<FlowState> publicCopy(String jobId) {
    return store.get(jobId, PUBLIC_COPY).map(bytes -> VeilJson.readStrict(bytes, FlowState.class));
  }

  void forget(String jobId) {
    store.delete(jobId);
  }
}
