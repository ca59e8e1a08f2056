package dev.veil.agent.run;

import dev.veil.agent.config.AgentProperties;
import dev.veil.agent.engine.ContainerConfinement;
import dev.veil.agent.engine.ContainerEngine;
import dev.veil.agent.engine.ContainerExits;
import dev.veil.agent.engine.ContainerSpec;
import dev.veil.agent.engine.EngineLabels;
import dev.veil.agent.engine.EngineNames;
import dev.veil.agent.engine.ImageReference;
import dev.veil.agent.engine.JobNetworks;
import dev.veil.agent.engine.LogFollower;
import dev.veil.agent.engine.VolumeBind;
import dev.veil.agent.identity.NodeIdentity;
import dev.veil.agent.logs.LiveLogProperties;
import dev.veil.model.job.Command;
import dev.veil.model.job.CreateVolumeOperation;
import dev.veil.model.job.ExposedPort;
import dev.veil.model.job.Global;
import dev.veil.model.job.RunArgs;
import dev.veil.model.job.RunOperation;
import dev.veil.model.job.VolumeMount;
import dev.veil.model.result.JobStatus;
import dev.veil.model.result.LogEntry;
import dev.veil.model.result.OpStatus;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.retry.Retry;

/**
 * Runs a job's ops as containers.
 *
 * <ul>
 *   <li><b>Groups</b> run one after another, in the order they first appear; an op without a
 *       group is a group of its own, so plain ops run in order. The ops of a group run together.</li>
 *   <li><b>{@code depends_on}</b> (as in docker-compose): an op starts once each op it depends on
 *       has started; if one of them never starts, the op does not run.</li>
 *   <li><b>{@code stop_if_dependent_stops}</b>: the op is stopped when an op it depends on ends.</li>
 *   <li>The job's timeout and a stop from the owner stop every running op and start no new one.</li>
 * </ul>
 * Every container and volume the job made is removed when it ends, whatever the outcome. Job
 * contents (commands, logs) are never written to the agent's own log.
 */
@Component
public class JobExecutor {

  private static final Logger log = LoggerFactory.getLogger(JobExecutor.class);
  /** The stop reason of an op whose ports could not be exposed. */
  static final String NOT_EXPOSED = "its ports could not be exposed";
  private static final Duration WITHDRAW_BEFORE_STOP = Duration.ofSeconds(2);
  private static final Duration ENGINE_RETRY_FIRST = Duration.ofSeconds(1);
  private static final Duration ENGINE_RETRY_MAX = Duration.ofSeconds(5);
  /** About half a minute of asking an engine that does not answer to remove a job's leftovers. */
  private static final int CLEAN_UP_RETRIES = 7;
  /** 128 + SIGKILL: what a container whose main process was killed with SIGKILL exits with. */
  private static final int SIGKILLED = 137;

  private final ContainerEngine engine;
  private final ContainerConfinement confinement;
  private final JobNetworks networks;
  private final ContainerExits exits;
  private final OpServices exposer;
  private final NodeIdentity node;
  private final AgentProperties properties;
  private final LiveLogProperties liveLogs;
  private final Clock clock;
  private final MeterRegistry meters;

  public JobExecutor(ContainerEngine engine, ContainerConfinement confinement, JobNetworks networks, ContainerExits exits,
      OpServices exposer, NodeIdentity node, AgentProperties properties, LiveLogProperties liveLogs, Clock clock,
      MeterRegistry meters) {
    this.liveLogs = liveLogs;
    this.engine = engine;
    this.confinement = confinement;
    this.networks = networks;
    this.exits = exits;
    this.exposer = exposer;
    this.node = node;
    this.properties = properties;
    this.clock = clock;
    this.meters = meters;
  }

  /** Runs every op, then cleans up; completes when the job has ended, with its status set. */
  public Mono<JobExecution> run(JobExecution execution) {
    execution.started(clock.millis());
    Map<String, List<OpRun>> groups = new LinkedHashMap<>();
    execution.ops().forEach(op -> groups.computeIfAbsent(op.group(), g -> new ArrayList<>()).add(op));
    Duration timeout = Duration.ofSeconds(execution.job().timeoutSeconds());
    Mono<Void> ops = createNetwork(execution)
        .filter(Boolean::booleanValue)
        .flatMap(created -> Flux.fromIterable(groups.values())
            .concatMap(group -> Flux.fromIterable(group).flatMap(op -> runOp(execution, op)).then())
            .then())
        .cache();
    // The watchdog stops the job at its timeout, and goes away as soon as the ops are done.
    Mono<Void> watchdog = Mono.delay(timeout)
        .doOnNext(t -> {
          execution.addError("the job exceeded its timeout of " + timeout.toSeconds() + " s and was stopped");
          execution.stop("timeout");
        })
        .then()
        .takeUntilOther(ops.then(Mono.just(true)));
    return Mono.when(ops, watchdog)
        .then(cleanUp(execution))
        .then(Mono.fromCallable(() -> {
          JobStatus outcome = execution.isStopping() ? JobStatus.STOPPED
              : execution.anyFailed() ? JobStatus.FAILED : JobStatus.SUCCESS;
          execution.finished(outcome, clock.millis());
          meters.counter("veil.agent.jobs.finished", "status", outcome.name().toLowerCase()).increment();
          return execution;
        }));
  }

  /**
   * The job's own network ({@link JobNetworks}), made before its first container; the host is on
   * it only when an op exposes ports. False when it could not be made: then no op runs, each
   * failing with the reason.
   */
  private Mono<Boolean> createNetwork(JobExecution execution) {
    if (execution.ops().stream().noneMatch(op -> op.op() instanceof RunOperation)) {
      return Mono.just(true);
    }
    boolean exposes = execution.ops().stream()
        .anyMatch(op -> op.op() instanceof RunOperation run && run.args() != null && run.args().expose() != null);
    return networks.create(node.nodeId(), execution.jobId(), jobLabels(execution), exposes)
        .map(network -> {
          execution.network = network;
          return true;
        })
        .onErrorResume(error -> {
          execution.ops().forEach(op -> {
            op.errors.add("not run: the job's network could not be created: " + describe(error));
            op.markEnded(OpStatus.FAILED, clock.millis());
          });
          return Mono.just(false);
        });
  }

  private Mono<Void> runOp(JobExecution execution, OpRun op) {
    return dependenciesStarted(execution, op).flatMap(ready -> {
      if (!ready) {
        op.errors.add("not run: an op it depends on never started");
        op.markEnded(OpStatus.STOPPED, clock.millis());
        return Mono.<Void>empty();
      }
      if (execution.isStopping()) {
        op.errors.add("not run: the job was stopped (" + execution.stopReason() + ")");
        op.markEnded(OpStatus.STOPPED, clock.millis());
        return Mono.<Void>empty();
      }
      if (op.op() instanceof CreateVolumeOperation volume) {
        return createVolume(execution, op, volume);
      }
      return runContainer(execution, op, (RunOperation) op.op());
    }).onErrorResume(StoppedBeforeStart.class, stopped -> {
      op.errors.add("not run: the job was stopped (" + stopped.getMessage() + ") " + stopped.during());
      op.markEnded(OpStatus.STOPPED, clock.millis());
      return Mono.empty();
    }).onErrorResume(error -> {
      op.errors.add(OpFailure.describe(error, execution.withholdsDefinition()));
      op.markEnded(OpStatus.FAILED, clock.millis());
      meters.counter("veil.agent.ops.failures").increment();
      return Mono.empty();
    });
  }

  private Mono<Boolean> dependenciesStarted(JobExecution execution, OpRun op) {
    List<String> deps = op.op().execution() == null || op.op().execution().dependsOn() == null
        ? List.of() : op.op().execution().dependsOn();
    return Flux.fromIterable(deps)
        .map(dep -> execution.ops().stream().filter(o -> o.id().equals(dep)).findFirst().orElseThrow())
        .flatMap(OpRun::started)
        .all(Boolean::booleanValue);
  }

  private Mono<Void> createVolume(JobExecution execution, OpRun op, CreateVolumeOperation volume) {
    String name = EngineNames.volume(node.nodeId(), execution.jobId(), volume.args().name());
    op.markStarted(clock.millis());
    return engine.createVolume(name, labels(execution, op)).doOnNext(created -> {
      execution.volumes.put(volume.args().name(), created);
      op.markEnded(OpStatus.SUCCESS, clock.millis());
    }).then();
  }

  private Mono<Void> runContainer(JobExecution execution, OpRun op, RunOperation run) {
    RunArgs args = run.args();
    Global global = execution.definition().global();
    String image = args.image() != null ? args.image() : global.image();
    boolean gpu = Boolean.TRUE.equals(args.gpu()) || (global != null && Boolean.TRUE.equals(global.gpu()));
    if (gpu && !properties.gpu()) {
      return Mono.error(new IllegalStateException("this op needs a GPU and this host offers none"));
    }
    ContainerConfinement.Limits limits;
    try {
      limits = confinement.limitsFor(args.limits());
    } catch (IllegalArgumentException e) {
      return Mono.error(new IllegalStateException(e.getMessage()));
    }
    op.memoryLimit = limits.memory();
    ContainerSpec spec = new ContainerSpec(ImageReference.withDefaultTag(image), command(args.cmd()),
        entrypoint(args, global), env(args, global),
        args.workDir() != null ? args.workDir() : global == null ? null : global.workDir(),
        volumes(execution, args), execution.network, ports(args), labels(execution, op), args.restartPolicy(), gpu, limits);
    // The pull gives way to the job's timeout and to a stop: whichever comes first cancels it.
    Mono<Void> stopped = execution.stopped().flatMap(reason -> Mono.error(new StoppedBeforeStart(reason, "while its image was pulled")));
    Mono<Void> pulled = engine.ensureImage(image)
        .onErrorMap(e -> new OpFailure("image '" + image + "' could not be pulled: " + describe(e),
            "its image could not be pulled (the image and the engine's words are withheld: the definition is private)"));
    return Mono.firstWithSignal(pulled, stopped)
        .then(engine.create(spec))
        .flatMap(containerId -> {
          op.containerId = containerId;
          // Nothing from the definition goes into diagnostics: with a private definition and a
          // public result, it would publish part of what was sent privately.
          return engine.start(containerId)
              .onErrorMap(e -> new OpFailure("the container could not start: " + describe(e),
                  "the container could not start (the engine's words are withheld: the definition is private)"))
              .then(Mono.defer(() -> {
                op.markStarted(clock.millis());
                meters.counter("veil.agent.containers.started").increment();
                return superviseContainer(execution, op, containerId);
              }));
        });
  }

  /** Exposes services, waits for the exit, stops the container when asked, then records its whole log. */
  private Mono<Void> superviseContainer(JobExecution execution, OpRun op, String containerId) {
    Mono<Integer> exit = exits.awaitExit(containerId).cache();
    LogFollower follower = engine.followLogs(containerId, properties.maxLogLineBytes(), line -> op.log.add(new LogEntry(line.stream(),
        line.text(), line.timestamp() >= 0 ? line.timestamp() : clock.millis(), line.continued())));
    // While its owner follows the job, what the container prints is read as it runs; else once it has ended.
    Disposable live = Flux.interval(liveLogs.readInterval())
        .onBackpressureDrop()
        .filter(tick -> execution.journal().isFollowed())
        .concatMap(tick -> follower.readNew().onErrorResume(e -> Mono.empty()), 1)
        .subscribe();
    // A service nobody can reach is not left running until its timeout: the op is stopped, saying
    // why, unless it ended first. Exposing stops when the container ends.
    Sinks.One<String> notExposed = Sinks.one();
    AtomicReference<String> exposeFailure = new AtomicReference<>();
    Mono<Void> services = exposer.expose(execution, op, containerId).onErrorResume(e -> {
      log.warn("job {}: its ports could not be exposed ({}); the op is stopped", execution.jobId(), e.getClass().getSimpleName());
      exposeFailure.set(describe(e));
      notExposed.tryEmitValue(NOT_EXPOSED);
      return Mono.empty();
    }).takeUntilOther(exit);
    Mono<String> stopAsked = Mono.firstWithValue(execution.stopped(), dependencyEnded(execution, op), notExposed.asMono());
    Mono<Void> stopper = stopAsked
        .flatMap(reason -> {
          op.stopReason = reason;
          if (NOT_EXPOSED.equals(reason)) {
            op.errors.add("exposing its ports failed: " + exposeFailure.get() + "; the op was stopped: nobody could have reached it");
          }
          // Its services go first: nobody reaches a stopping job through them during its grace
          // period. A market that does not answer must not hold the stop up: the routes are
          // withdrawn again when the op ends.
          return exposer.withdraw(op).timeout(WITHDRAW_BEFORE_STOP).onErrorComplete()
              // An engine that does not answer now (restarting, its socket gone) is asked again until
              // it does or the container has ended: a stop, a timeout or a shutdown is never dropped.
              .then(engine.stop(containerId).retryWhen(Retry.backoff(Long.MAX_VALUE, ENGINE_RETRY_FIRST)
                  .maxBackoff(ENGINE_RETRY_MAX)
                  .doBeforeRetry(failed -> {
                    if (failed.totalRetriesInARow() == 0) {
                      log.warn("job {}: the engine did not take the stop of op '{}' ({}); asking again until it does",
                          execution.jobId(), op.id(), describe(failed.failure()));
                    }
                  })));
        })
        .takeUntilOther(exit);
    return Mono.when(services, stopper.onErrorComplete(), exit.then())
        .then(exit)
        .flatMap(code -> {
          live.dispose();
          return recordRest(op, follower).thenReturn(code);
        })
        .flatMap(code -> {
          if (code == 0 || op.stopReason != null) {
            return Mono.just(code);
          }
          return engine.ranOutOfMemory(containerId).onErrorReturn(false).doOnNext(outOfMemory -> {
            if (outOfMemory) {
              op.errors.add("the container ran out of memory (limit " + op.memoryLimit + ")");
            } else if (code == SIGKILLED) {
              // Not every engine learns of the kernel's OOM kills (Podman 4 on cgroup v1 here never
              // does), and nothing but the kernel kills a job's process with SIGKILL unless asked to.
              op.errors.add("the container was killed (SIGKILL), most likely for running out of memory (limit "
                  + op.memoryLimit + ")");
            }
          }).thenReturn(code);
        })
        .flatMap(code -> {
          op.exitCode = code;
          ResultPatterns.Extraction extraction = ResultPatterns.extract(op.op().results(), op.log);
          op.results = extraction.results();
          op.errors.addAll(extraction.errors());
          // An op stopped because its ports could not be exposed failed; its error says why.
          boolean unreachable = NOT_EXPOSED.equals(op.stopReason);
          OpStatus outcome = unreachable ? OpStatus.FAILED
              : op.stopReason != null ? OpStatus.STOPPED : code == 0 ? OpStatus.SUCCESS : OpStatus.FAILED;
          if (outcome == OpStatus.FAILED && !unreachable) {
            op.errors.add("the container exited with code " + code);
          } else if (outcome == OpStatus.STOPPED) {
            op.errors.add("stopped: " + op.stopReason);
          }
          op.markEnded(outcome, clock.millis());
          return exposer.withdraw(op);
        })
        // A container that vanished still leaves no route or relay behind.
        .onErrorResume(error -> exposer.withdraw(op).then(Mono.error(error)))
        .doFinally(signal -> live.dispose());
  }

  /** What is left of the container's log once it has ended: with what was read while it ran, every line, in order. */
  private Mono<Void> recordRest(OpRun op, LogFollower follower) {
    return follower.readRest()
        .onErrorResume(e -> {
          op.errors.add("the container's log could not be read to its end: " + describe(e));
          return Mono.empty();
        });
  }

  /** With {@code stop_if_dependent_stops}: emits when any op this one depends on ends. */
  private Mono<String> dependencyEnded(JobExecution execution, OpRun op) {
    var execution0 = op.op().execution();
    if (execution0 == null || !Boolean.TRUE.equals(execution0.stopIfDependentStops()) || execution0.dependsOn() == null) {
      return Mono.never();
    }
    return Flux.fromIterable(execution0.dependsOn())
        .map(dep -> execution.ops().stream().filter(o -> o.id().equals(dep)).findFirst().orElseThrow())
        .flatMap(dep -> dep.ended().thenReturn("op '" + dep.id() + "' it depends on ended"))
        .next();
  }

  /** Removes every container, volume and network the job made, whatever happened. */
  Mono<Void> cleanUp(JobExecution execution) {
    return engine.containersLabelled(EngineLabels.JOB, execution.jobId())
        .flatMapMany(Flux::fromIterable)
        .concatMap(container -> engine.remove(container.getId()))
        .thenMany(engine.volumesLabelled(EngineLabels.JOB, execution.jobId()).flatMapMany(Flux::fromIterable))
        .concatMap(engine::removeVolume)
        // A network goes last: the engine refuses to remove one a container is still attached to.
        .thenMany(networks.labelled(EngineLabels.JOB, execution.jobId()).flatMapMany(Flux::fromIterable))
        .concatMap(networks::remove)
        .then()
        // An engine away for a moment: try again for a while; past that, the agent's next start removes what is left.
        .retryWhen(Retry.backoff(CLEAN_UP_RETRIES, ENGINE_RETRY_FIRST).maxBackoff(ENGINE_RETRY_MAX))
        .onErrorResume(e -> {
          log.warn("cleaning up job {} failed: {}", execution.jobId(), describe(e));
          return Mono.empty();
        });
  }

  private Map<String, String> labels(JobExecution execution, OpRun op) {
    return Map.of(EngineLabels.NODE, node.nodeId(), EngineLabels.JOB, execution.jobId(), EngineLabels.OP, op.id());
  }

  private Map<String, String> jobLabels(JobExecution execution) {
    return Map.of(EngineLabels.NODE, node.nodeId(), EngineLabels.JOB, execution.jobId());
  }

  private static List<String> command(Command cmd) {
    if (cmd == null) {
      return null;
    }
    // [] keeps the image's default command.
    return cmd.argv().isEmpty() ? null : cmd.argv();
  }

  /** A string entrypoint is one executable; an array is taken as it is. */
  private static List<String> entrypoint(RunArgs args, Global global) {
    Command entrypoint = args.entrypoint() != null ? args.entrypoint() : global == null ? null : global.entrypoint();
    if (entrypoint == null) {
      return null;
    }
    return entrypoint instanceof Command.Shell shell ? List.of(shell.line()) : entrypoint.argv();
  }

  private static List<String> env(RunArgs args, Global global) {
    Map<String, String> merged = new LinkedHashMap<>();
    if (global != null && global.env() != null) {
      merged.putAll(global.env());
    }
    if (args.env() != null) {
      merged.putAll(args.env());
    }
    return merged.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
  }

  /** Only the volumes this job made; {@link VolumeBind} refuses anything that could name a host path. */
  private static List<VolumeBind> volumes(JobExecution execution, RunArgs args) {
    if (args.volumes() == null) {
      return List.of();
    }
    List<VolumeBind> volumes = new ArrayList<>();
    for (VolumeMount mount : args.volumes()) {
      String volume = execution.volumes.get(mount.name());
      if (volume == null) {
        throw new IllegalStateException("volume '" + mount.name() + "' was not created (its create-volume op failed or did not run first)");
      }
      volumes.add(new VolumeBind(volume, mount.dest()));
    }
    return volumes;
  }

  private static List<Integer> ports(RunArgs args) {
    return args.expose() == null ? List.of() : args.expose().ports().stream().map(ExposedPort::port).toList();
  }

  static String describe(Throwable error) {
    String message = error.getMessage();
    if (message == null || message.isBlank()) {
      return error.getClass().getSimpleName();
    }
    message = message.replaceAll("\\s+", " ").trim();
    return message.length() > 300 ? message.substring(0, 300) + "..." : message;
  }
}
