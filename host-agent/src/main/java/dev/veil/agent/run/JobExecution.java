package dev.veil.agent.run;

import dev.veil.model.job.JobDefinition;
import dev.veil.model.job.Operation;
import dev.veil.model.market.JobRecord;
import dev.veil.model.result.FlowState;
import dev.veil.model.result.JobStatus;
import dev.veil.model.result.OpStatus;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/** A job this host runs: its ops, its status, and the stop signal every op listens to. */
public final class JobExecution {

  private final JobRecord job;
  private final JobDefinition definition;
  private final List<OpRun> ops = new ArrayList<>();
  private final LogJournal journal;
  private final Sinks.One<String> stop = Sinks.one();
  private final java.util.concurrent.atomic.AtomicReference<String> stopReason = new java.util.concurrent.atomic.AtomicReference<>();
  private final List<String> errors = new CopyOnWriteArrayList<>();
  final Map<String, String> volumes = new ConcurrentHashMap<>();
  /** The job's own network, once made. */
  volatile String network;
  private volatile JobStatus status = JobStatus.RUNNING;
  private volatile Long startTime;
  private volatile Long endTime;

  public JobExecution(JobRecord job, JobDefinition definition, int memoryLines, Path spoolDir) {
    this.job = job;
    this.definition = definition;
    this.journal = new LogJournal(spoolDir.resolve(job.jobId()).resolve("journal.spool"));
    List<Operation> list = definition.opsOrEmpty();
    for (int i = 0; i < list.size(); i++) {
      ops.add(new OpRun(i, list.get(i), new OpLog(memoryLines, spoolDir.resolve(job.jobId()).resolve(i + ".spool"),
          list.get(i).id(), journal)));
    }
  }

  public String jobId() {
    return job.jobId();
  }

  public JobRecord job() {
    return job;
  }

  public JobDefinition definition() {
    return definition;
  }

  /** The job's own network, once made; null before. */
  public String network() {
    return network;
  }

  /** Every line the job's ops print, numbered, for its owner to follow. */
  public LogJournal journal() {
    return journal;
  }

  public List<OpRun> ops() {
    return ops;
  }

  public JobStatus status() {
    return status;
  }

  void started(long now) {
    startTime = now;
  }

  void finished(JobStatus outcome, long now) {
    status = outcome;
    endTime = now;
    journal.end(outcome);
  }

  /** Asks every op to stop; the first reason wins (e.g. "stopped by its owner", "exceeded its timeout"). */
  public void stop(String reason) {
    if (stopReason.compareAndSet(null, reason)) {
      stop.tryEmitValue(reason);
    }
  }

  /** The reason, once a stop was asked for. */
  Mono<String> stopped() {
    return stop.asMono();
  }

  public boolean isStopping() {
    return stopReason.get() != null;
  }

  public String stopReason() {
    return stopReason.get();
  }

  /**
   * Whether what the definition holds (image, command, mounts) must stay out of what is published:
   * it was sent privately and the result is published (not received privately).
   */
  public boolean withholdsDefinition() {
    return job.definition().sendsDefinitionPrivately()
        && !(job.definition().receivesResultPrivately() || definition.receivesResultPrivately());
  }

  public void addError(String error) {
    errors.add(error);
  }

  /**
   * The result to publish: status, times, errors and every op's state, logs included, cut at
   * {@code maxLogLines} lines or {@code maxLogChars} characters per op, whichever comes first,
   * so building it never takes more memory than that however much an op printed.
   */
  public FlowState snapshot(int maxLogLines, long maxLogChars) {
    return new FlowState(status, startTime, endTime, new ArrayList<>(errors),
        ops.stream().map(op -> op.snapshot(maxLogLines, maxLogChars)).toList());
  }

  /**
   * The whole result, every log line of every op, for the owner of a privately received result:
   * its logs are read from the spools as it is serialized, so writing it out takes memory for
   * one line at a time, however long the logs are.
   */
  public FlowState fullResult() {
    return new FlowState(status, startTime, endTime, new ArrayList<>(errors), ops.stream().map(OpRun::fullState).toList());
  }

  /** What may be published of a privately received result: status, times and errors. */
  public FlowState publicCopy() {
    return new FlowState(status, startTime, endTime, new ArrayList<>(errors), List.of());
  }

  boolean anyFailed() {
    return ops.stream().anyMatch(op -> op.status == OpStatus.FAILED);
  }

  /** Releases the op logs' spool files and the journal's. */
  public void close() {
    ops.forEach(op -> op.log.close());
    journal.close();
  }
}
