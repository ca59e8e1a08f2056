package dev.veil.agent.logistics;

import dev.veil.agent.config.AgentProperties;
import dev.veil.model.job.JobDefinition;
import dev.veil.model.market.JobRecord;
import dev.veil.service.problem.ProblemException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Jobs waiting for their private definition. A job waits until the owner sends one valid
 * definition or the deadline passes; exactly one definition is ever accepted.
 */
@Component
public class JobDefinitionListener {

  private final Map<String, Sinks.One<JobDefinition>> waiting = new ConcurrentHashMap<>();
  private final AgentProperties properties;
  private volatile boolean closed;

  public JobDefinitionListener(AgentProperties properties) {
    this.properties = properties;
  }

  /** Waits for the job's definition; empty when {@code deadline} passed, or {@code cancel} fired, first. */
  public Mono<JobDefinition> await(JobRecord job, Mono<?> cancel, java.time.Duration deadline) {
    Sinks.One<JobDefinition> sink = Sinks.one();
    waiting.put(job.jobId(), sink);
    return sink.asMono()
        .take(deadline)
        .takeUntilOther(cancel)
        .doFinally(signal -> waiting.remove(job.jobId()));
  }

  /**
   * The host is shutting down: definitions are refused from now on (503: the job waits on, kept,
   * for the agent's next start, where its owner can send it again).
   */
  public void close() {
    closed = true;
  }

  /** Hands the definition to the waiting job; 409 when it is not waiting (one was already accepted). */
  public void offer(String jobId, JobDefinition definition) {
    if (closed) {
      throw ProblemException.unavailable("this host is restarting: send the definition again shortly; the job waits for it",
          Duration.ofSeconds(10));
    }
    Sinks.One<JobDefinition> sink = waiting.remove(jobId);
    if (sink == null || sink.tryEmitValue(definition).isFailure()) {
      throw ProblemException.conflict("this job is not waiting for a definition: one was already received");
    }
  }

  public boolean isWaiting(String jobId) {
    return waiting.containsKey(jobId);
  }
}
