package dev.veil.agent.engine;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.DeviceRequest;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.RestartPolicy;
import dev.veil.agent.config.AgentProperties;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
  private final AgentProperties properties;

  public ContainerEngine(DockerClient docker, EngineLogs logs, AgentProperties properties) {
    this.docker = docker;
    this.logs = logs;
    this.properties = properties;
  }

  private static <T> Mono<T> blocking(java.util.concurrent.Callable<T> call) {
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

  /** Pulls the image unless the engine already has it. */
  public Mono<Void> ensureImage(String image) {
    return blocking(() -> {
      try {
        docker.inspectImageCmd(image).exec();
      } catch (NotFoundException absent) {
        docker.pullImageCmd(image).start().awaitCompletion();
      }
      return true;
    }).then();
  }

  public Mono<String> createVolume(String name, Map<String, String> labels) {
    return blocking(() -> docker.createVolumeCmd().withName(name).withLabels(labels).exec().getName());
  }

  public Mono<String> create(ContainerSpec spec) {
    return blocking(() -> {
      HostConfig host = HostConfig.newHostConfig();
      if (!spec.binds().isEmpty()) {
        host.withBinds(spec.binds().stream().map(com.github.dockerjava.api.model.Bind::parse).toList());
      }
      List<ExposedPort> exposed = new ArrayList<>();
      Ports bindings = new Ports();
      for (int port : spec.ports()) {
        ExposedPort tcp = ExposedPort.tcp(port);
        exposed.add(tcp);
        bindings.bind(tcp, Ports.Binding.bindIp(properties.publishHost()));
      }
      if (!exposed.isEmpty()) {
        host.withPortBindings(bindings);
      }
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

  /** Host ports the container's ports were published on, by container port. */
  public Mono<Map<Integer, Integer>> publishedPorts(String containerId) {
    return blocking(() -> {
      Map<Integer, Integer> out = new HashMap<>();
      var ports = docker.inspectContainerCmd(containerId).exec().getNetworkSettings().getPorts();
      if (ports != null) {
        ports.getBindings().forEach((exposed, bound) -> {
          if (bound != null && bound.length > 0 && bound[0].getHostPortSpec() != null) {
            out.put(exposed.getPort(), Integer.parseInt(bound[0].getHostPortSpec()));
          }
        });
      }
      return out;
    });
  }

  /**
   * Everything the container has written, in the engine's order, line by line with the engine's
   * timestamps; meant for a container that has ended. Following the logs while a container runs
   * is not complete on Podman 4 (its follow skips records under fast output and stops at the
   * exit before the end of the file; reading the same logs afterwards returns every line), so
   * the record of an op is read once its container has exited. See {@link EngineLogs}.
   */
  public Mono<Void> readLogs(String containerId, int maxLineBytes, Consumer<LogLine> each) {
    return logs.read(containerId, maxLineBytes, each);
  }

  /** Stops a container (SIGTERM, then SIGKILL after the grace period); an already stopped one is fine. */
  public Mono<Void> stop(String containerId) {
    return blocking(() -> {
      try {
        docker.stopContainerCmd(containerId).withTimeout((int) properties.stopGrace().toSeconds()).exec();
      } catch (NotFoundException | com.github.dockerjava.api.exception.NotModifiedException gone) {
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
