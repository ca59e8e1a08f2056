package dev.veil.agent.run;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * The jobs whose ops run on this host now, by job ID: what the private endpoints read a job's
 * services from, what {@code /node/info} counts, and what a shutdown waits for. A job waiting for
 * its definition or holding its result is not here: nothing of it runs.
 */
@Component
public class RunningJobs {

  private final Map<String, JobExecution> running = new ConcurrentHashMap<>();

  public RunningJobs(MeterRegistry meters) {
    Gauge.builder("veil.agent.jobs.running", running, Map::size).register(meters);
  }

  public void add(JobExecution execution) {
    running.put(execution.jobId(), execution);
  }

  public void remove(JobExecution execution) {
    running.remove(execution.jobId(), execution);
  }

  public Optional<JobExecution> get(String jobId) {
    return Optional.ofNullable(running.get(jobId));
  }

  public Collection<JobExecution> all() {
    return running.values();
  }

  public int size() {
    return running.size();
  }

  public boolean isEmpty() {
    return running.isEmpty();
  }
}
