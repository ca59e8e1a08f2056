package dev.veil.agent.logs;

import dev.veil.agent.run.LogJournal.Numbered;
import dev.veil.model.result.JobStatus;
import java.util.List;
import reactor.core.publisher.Mono;

/** Where one stream stands in a job's log: each step is the next lines, the end, or a wait that came to nothing. */
interface LogCursor extends AutoCloseable {

  /** The next step; with {@code follow}, waits up to {@code idle} for lines to come. */
  Mono<Step> step(boolean follow, java.time.Duration idle);

  @Override
  void close();

  /** What a step found. */
  sealed interface Step {}

  /** Lines, numbered. */
  record Lines(List<Numbered> lines) implements Step {}

  /** The log is complete: every line was handed out; the job ended with this status after {@code lines} lines. */
  record End(JobStatus status, long lines) implements Step {}

  /** Nothing came while waiting (a keep-alive is due). */
  record Idle() implements Step {}

  /** Not following, and nothing more exists yet. */
  record Caught() implements Step {}
}
