package dev.veil.agent.logs;

import dev.veil.agent.logistics.PrivateStore;
import dev.veil.agent.logistics.ResultVault;
import dev.veil.agent.run.RunningJobs;
import dev.veil.model.json.VeilJson;
import dev.veil.model.result.FlowState;
import dev.veil.model.result.JobStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Where a job's log is read from: its journal while it runs, the copy kept beside its held private
 * result once it has ended (which a host restart keeps too), nothing otherwise.
 */
@Component
class JobLogSources {

  private final RunningJobs running;
  private final PrivateStore store;
  private final LiveLogProperties properties;

  JobLogSources(RunningJobs running, PrivateStore store, LiveLogProperties properties) {
    this.running = running;
    this.store = store;
    this.properties = properties;
  }

  /** A cursor after the first {@code after} lines, or empty when nothing of the job's log is here (yet, or any more). Blocking. */
  Optional<LogCursor> open(String jobId, long after) {
    Optional<LogCursor> live = running.get(jobId).flatMap(execution -> execution.journal().reader(after))
        .map(reader -> new JournalCursor(reader, properties));
    if (live.isPresent()) {
      return live;
    }
    // Kept logs are written before the journal closes: a job between the two is found here.
    Optional<InputStream> kept = store.open(jobId, ResultVault.LOGS);
    if (kept.isEmpty()) {
      return Optional.empty();
    }
    JobStatus status = null;
    try {
      status = store.get(jobId, ResultVault.PUBLIC_COPY)
          .map(bytes -> VeilJson.readStrict(bytes, FlowState.class).status())
          .orElse(null);
    } finally {
      if (status == null) {
        close(kept.get());
      }
    }
    return status == null ? Optional.empty() : Optional.of(new StoredCursor(kept.get(), status, after, properties));
  }

  private static void close(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
