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
  private final Map<String, JobRecord> ended = java.util.Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, JobRecord> eldest) {
      return size() > REMEMBERED;
    }
  });

  public void hold(JobRecord job) {
    held.put(job.jobId(), job);
  }

  public void end(String jobId) {
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
