package dev.veil.agent.engine;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.DeviceRequest;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PullResponseItem;
import com.github.dockerjava.api.model.RestartPolicy;
import com.github.dockerjava.api.model.Volume;
import dev.veil.agent.config.AgentProperties;
import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The container engine through the Docker Engine API (docker-java), for Docker and for Podman's
 * compatible socket. docker-java's calls block, so each runs on the bounded-elastic scheduler;
 * reading logs uses its asynchronous callbacks. Exits are learnt from the engine's event stream, by
 * {@link ContainerExits}.
 */
@Component
public class ContainerEngine {

  private final DockerClient docker;
  private final EngineLogs logs;
  private final ContainerConfinement confinement;
  private final AgentProperties properties;

  public ContainerEngine(DockerClient docker, EngineLogs logs, ContainerConfinement confinement, AgentProperties properties) {
    this.docker = docker;
    this.logs = logs;
    this.confinement = confinement;
    this.properties = properties;
  }

  private static <T> Mono<T> blocking(Callable<T> call) {
    return Mono.fromCallable(call).subscribeOn(Schedulers.boundedElastic());
  }

  /** Engine name and version, e.g. {@code Podman Engine 4.3.1} or {@code Docker Engine 28.2.2}. */
  public Mono<String> describe() {
    return blocking(() -> {
      var version = docker.versionCmd().exec();
      String name = version.getComponents() == null || version.getComponents().isEmpty()
          ? "Docker Engine" : version.getComponents().get(0).getName();
      return name + " " + version.getVersion() + " (API " + version.getApiVersion() + ")";
    });
  }

  public Mono<Boolean> ping() {
    return blocking(() -> {
      docker.pingCmd().exec();
      return true;
    }).onErrorReturn(false);
  }

  /**
   * Pulls the image unless the engine already has it; an untagged reference is pulled as
   * {@code :latest} ({@link ImageReference}). Fails once {@code image-pull-timeout} has passed;
   * cancelling it (the job's timeout, a stop) closes the pull's stream, which ends the engine's pull.
   */
  public Mono<Void> ensureImage(String image) {
    String reference = ImageReference.withDefaultTag(image);
    Duration timeout = properties.imagePullTimeout();
    return blocking(() -> isPresent(reference))
        .flatMap(present -> present ? Mono.<Void>empty() : pull(reference))
        .timeout(timeout, Mono.error(() -> new IllegalStateException(
            "the pull did not finish within " + timeout.toSeconds() + " s")));
  }

  private boolean isPresent(String reference) {
    try {
      docker.inspectImageCmd(reference).exec();
      return true;
    } catch (NotFoundException absent) {
      return false;
    }
  }

  /** docker-java's asynchronous pull, so that a cancelled pull closes its stream instead of holding a thread until the engine gives up. */
  private Mono<Void> pull(String reference) {
    return Mono.create(sink -> {
      ResultCallback.Adapter<PullResponseItem> pulling = docker.pullImageCmd(reference).exec(new ResultCallback.Adapter<>() {
        @Override
        public void onNext(PullResponseItem item) {
          if (item.isErrorIndicated()) {
            sink.error(new IllegalStateException(item.getErrorDetail() != null && item.getErrorDetail().getMessage() != null
                ? item.getErrorDetail().getMessage() : item.getError()));
          }
        }

        @Override
        public void onError(Throwable error) {
          super.onError(error);
          sink.error(error);
        }

        @Override
        public void onComplete() {
          super.onComplete();
          sink.success();
        }
      });
      sink.onDispose(() -> closeQuietly(pulling));
    });
  }

  private static void closeQuietly(Closeable stream) {
    try {
      stream.close();
    } catch (IOException ignored) {
      // the pull's stream is gone either way
    }
  }

  public Mono<String> createVolume(String name, Map<String, String> labels) {
    return blocking(() -> docker.createVolumeCmd().withName(name).withLabels(labels).exec().getName());
  }

  /**
   * Creates a job container, confined ({@link ContainerConfinement}), on the job's network
   * ({@link JobNetworks}), with only the named volumes the job made mounted.
   */
  public Mono<String> create(ContainerSpec spec) {
    return blocking(() -> {
      HostConfig host = confinement.apply(HostConfig.newHostConfig(), spec.limits()).withNetworkMode(spec.network());
      if (!spec.volumes().isEmpty()) {
        host.withBinds(spec.volumes().stream().map(mount -> new Bind(mount.volume(), new Volume(mount.destination()))).toList());
      }
      // Declared, not published: the agent relays them (PortRelay), as an internal network forwards no port.
      List<ExposedPort> exposed = spec.ports().stream().map(ExposedPort::tcp).toList();
      if (spec.restartPolicy() != null) {
        host.withRestartPolicy(RestartPolicy.parse(spec.restartPolicy()));
      }
      if (spec.gpu()) {
        host.withDeviceRequests(List.of(new DeviceRequest().withCount(-1).withCapabilities(List.of(List.of("gpu")))));
      }
      CreateContainerCmd cmd = docker.createContainerCmd(spec.image()).withLabels(spec.labels()).withHostConfig(host)
          .withEnv(spec.env());
      if (!exposed.isEmpty()) {
        cmd.withExposedPorts(exposed);
      }
      if (spec.cmd() != null) {
        cmd.withCmd(spec.cmd());
      }
      if (spec.entrypoint() != null) {
        cmd.withEntrypoint(spec.entrypoint());
      }
      if (spec.workDir() != null) {
        cmd.withWorkingDir(spec.workDir());
      }
      return cmd.exec().getId();
    });
  }

  public Mono<Void> start(String containerId) {
    return blocking(() -> {
      docker.startContainerCmd(containerId).exec();
      return true;
    }).then();
  }

  /** The container's address on {@code network}. */
  public Mono<String> address(String containerId, String network) {
    return blocking(() -> {
      var networks = docker.inspectContainerCmd(containerId).exec().getNetworkSettings().getNetworks();
      var attached = networks == null ? null : networks.get(network);
      if (attached == null || attached.getIpAddress() == null || attached.getIpAddress().isBlank()) {
        throw new IllegalStateException("the container has no address on its job's network");
      }
      return attached.getIpAddress();
    });
  }

  /**
   * A reader of the container's log (both streams, split into lines, with the engine's
   * timestamps) in steps: what is new while it runs, the rest once it has ended. See {@link LogFollower}.
   */
  public LogFollower followLogs(String containerId, int maxLineBytes, Consumer<LogLine> each) {
    return logs.follower(containerId, maxLineBytes, each);
  }

  /** Whether the kernel killed a process of the (ended) container for going over its memory limit. */
  public Mono<Boolean> ranOutOfMemory(String containerId) {
    return blocking(() -> Boolean.TRUE.equals(docker.inspectContainerCmd(containerId).exec().getState().getOOMKilled()));
  }

  /** Stops a container (SIGTERM, then SIGKILL after the grace period); an already stopped one is fine. */
  public Mono<Void> stop(String containerId) {
    return blocking(() -> {
      try {
        docker.stopContainerCmd(containerId).withTimeout((int) properties.stopGrace().toSeconds()).exec();
      } catch (NotFoundException | NotModifiedException gone) {
        // already stopped or removed
      }
      return true;
    }).then();
  }

  public Mono<Void> remove(String containerId) {
    return blocking(() -> {
      try {
        docker.removeContainerCmd(containerId).withForce(true).withRemoveVolumes(true).exec();
      } catch (NotFoundException gone) {
        // already removed
      }
      return true;
    }).then();
  }

  public Mono<Void> removeVolume(String name) {
    return blocking(() -> {
      try {
        docker.removeVolumeCmd(name).exec();
      } catch (NotFoundException gone) {
        // already removed
      }
      return true;
    }).then();
  }

  /** Containers (running or not) carrying {@code label=value}. */
  public Mono<List<Container>> containersLabelled(String label, String value) {
    return blocking(() -> docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(label, value)).exec());
  }

  /** Names of volumes carrying {@code label=value}. */
  public Mono<List<String>> volumesLabelled(String label, String value) {
    return blocking(() -> {
      var volumes = docker.listVolumesCmd().withFilter("label", List.of(label + "=" + value)).exec().getVolumes();
      return volumes == null ? List.<String>of() : volumes.stream().map(v -> v.getName()).toList();
    });
  }
}
