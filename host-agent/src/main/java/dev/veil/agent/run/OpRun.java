package dev.veil.agent.run;

import dev.veil.model.job.Operation;
import dev.veil.model.result.OpState;
import dev.veil.model.result.OpStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/** One op of a running job: its state as it changes, and the signals other ops wait on. */
public final class OpRun {

  final int index;
  final Operation op;
  final OpLog log;
  final List<ExposedService> services = new CopyOnWriteArrayList<>();
  private final Sinks.One<Boolean> started = Sinks.one();
  private final Sinks.Empty<Void> ended = Sinks.empty();

  volatile OpStatus status = OpStatus.PENDING;
  volatile Long startTime;
  volatile Long endTime;
  volatile Integer exitCode;
  volatile String containerId;
  volatile String stopReason;
  /** The memory limit its container got, as people read it. */
  volatile String memoryLimit;
  volatile Map<String, List<String>> results = Map.of();
  final List<String> errors = new CopyOnWriteArrayList<>();
  final Map<String, Object> diagnostics = new java.util.concurrent.ConcurrentHashMap<>();

  OpRun(int index, Operation op, OpLog log) {
    this.index = index;
    this.op = op;
    this.log = log;
  }

  public String id() {
    return op.id();
  }

  public int index() {
    return index;
  }

  public Operation op() {
    return op;
  }

  public List<ExposedService> services() {
    return services;
  }

  String group() {
    return op.execution() != null && op.execution().group() != null ? op.execution().group() : op.id();
  }

  /** Emits true once the op's container runs, false if it never will. */
  Mono<Boolean> started() {
    return started.asMono();
  }

  /** Completes when the op has ended, however it ended. */
  Mono<Void> ended() {
    return ended.asMono();
  }

  void markStarted(long now) {
    startTime = now;
    status = OpStatus.RUNNING;
    started.tryEmitValue(true);
  }

  void markEnded(OpStatus outcome, long now) {
    status = outcome;
    endTime = now;
    started.tryEmitValue(false);
    ended.tryEmitEmpty();
  }

  /** The op's state with its whole log, read from the spool as it is serialized. */
  OpState fullState() {
    return new OpState(id(), group(), status, startTime, endTime, exitCode, log.all(),
        new LinkedHashMap<>(results), new ArrayList<>(errors), new LinkedHashMap<>(diagnostics));
  }

  OpState snapshot(int maxLogLines, long maxLogChars) {
    return new OpState(id(), group(), status, startTime, endTime, exitCode, log.entries(maxLogLines, maxLogChars),
        new LinkedHashMap<>(results), new ArrayList<>(errors), new LinkedHashMap<>(diagnostics));
  }
}
