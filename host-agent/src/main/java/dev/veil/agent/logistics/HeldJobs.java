package dev.veil.agent.logistics;

import dev.veil.model.market.JobRecord;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * The jobs this node holds (claimed and not yet ended), and a bounded memory of recently ended
 * ones, so their owners are still recognised (a second result read is 410, not 404).
 */
@Component
public class HeldJobs {

  private static final int REMEMBERED = 10_000;

  private final Map<String, JobRecord> held = new ConcurrentHashMap<>();
  private final Map<String, Runnable> stops = new ConcurrentHashMap<>();
  private final Map<String, JobRecord> ended = java.util.Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, JobRecord> eldest) {
      return size() > REMEMBERED;
    }
  });

  public void hold(JobRecord job) {
    held.put(job.jobId(), job);
  }

  /** How the job's owner stops it at this host, for as long as it can be stopped. */
  public void stoppable(String jobId, Runnable stop) {
    stops.put(jobId, stop);
  }

  /** Its run is over (its result is being kept, or held): nothing of it can be stopped any more. */
  public void unstoppable(String jobId) {
    stops.remove(jobId);
  }

  /** Asks the job to stop, as its owner; false when it cannot be stopped (any more). */
  public boolean stop(String jobId) {
    Runnable stop = stops.get(jobId);
    if (stop == null) {
      return false;
    }
    stop.run();
    return true;
  }

  public void end(String jobId) {
    stops.remove(jobId);
    JobRecord job = held.remove(jobId);
    if (job != null) {
      ended.put(jobId, job);
    }
  }

  /** A job held now or ended recently. */
  public Mono<JobRecord> find(String jobId) {
    JobRecord job = held.get(jobId);
    return Mono.justOrEmpty(job != null ? job : ended.get(jobId));
  }

  public boolean isHeld(String jobId) {
    return held.containsKey(jobId);
  }
}
