package dev.veil.agent.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.veil.testsupport.RequiresContainerEngine;
import dev.veil.testsupport.TestImages;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/**
 * Exits of real containers, learnt from the engine's event stream ({@code ./veil test}'s engine:
 * Podman here, Docker elsewhere), including an engine API service that goes away and comes back.
 */
@RequiresContainerEngine
class ContainerExitsIT {

  private final String nodeId = "test-" + UUID.randomUUID();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private DockerClient docker;
  private ContainerExits exits;
  private Process ownService;

  @AfterEach
  void cleanUp() throws Exception {
    if (exits != null) {
      exits.stop();
    }
    if (docker != null) {
      docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(EngineLabels.NODE, nodeId)).exec()
          .forEach(c -> docker.removeContainerCmd(c.getId()).withForce(true).exec());
      docker.close();
    }
    if (ownService != null) {
      ownService.destroy();
      ownService.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void theExitCodeOfARealContainerArrivesFromTheEventStream() {
    docker = client(DefaultDockerClientConfig.createDefaultConfigBuilder().build().getDockerHost().toString());
    exits = new ContainerExits(new EngineExitSignals(docker, nodeId), meters);
    exits.start();
    String quick = run("exit 0");
    String slow = run("sleep 1; exit 3");

    StepVerifier.create(exits.awaitExit(slow)).expectNext(3).expectComplete().verify(Duration.ofSeconds(30));
    StepVerifier.create(exits.awaitExit(quick)).expectNext(0).expectComplete().verify(Duration.ofSeconds(30));
  }

  @Test
  void aStoppedContainerEndsWithItsKillAndARemovedOneFailsAsGone() {
    docker = client(DefaultDockerClientConfig.createDefaultConfigBuilder().build().getDockerHost().toString());
    exits = new ContainerExits(new EngineExitSignals(docker, nodeId), meters);
    exits.start();
    String stopped = run("sleep 600");
    String removed = run("sleep 600");
    docker.removeContainerCmd(removed).withForce(true).exec();

    // sh as PID 1 ignores SIGTERM: with no grace the engine kills it (128 + 9).
    StepVerifier.create(exits.awaitExit(stopped))
        .then(() -> docker.stopContainerCmd(stopped).withTimeout(0).exec())
        .expectNext(137)
        .expectComplete()
        .verify(Duration.ofSeconds(30));
    StepVerifier.create(exits.awaitExit(removed)).expectError(ContainerGoneException.class).verify(Duration.ofSeconds(30));
  }

  /**
   * Podman's API service is a process of its own: stopped and started again, it is an engine
   * restart as the agent sees it, while the containers (under conmon) run on. An exit while it
   * is down has no listener; the agent finds it when the stream opens again.
   */
  @Test
  void anExitWhileTheEngineServiceWasDownIsFoundWhenItComesBack() throws Exception {
    assumeTrue(onPodman(), "needs Podman, whose API service can be restarted by a test");
    Path socket = Files.createTempDirectory("veil-engine-").resolve("podman.sock");
    ownService = startPodmanService(socket);
    docker = client("unix://" + socket);
    exits = new ContainerExits(new EngineExitSignals(docker, nodeId), meters, Duration.ofMillis(100), Duration.ofMillis(500),
        Duration.ofMinutes(10));
    exits.start();
    String container = run("sleep 2; exit 7");

    var awaited = exits.awaitExit(container).toFuture();
    ownService.destroy();
    ownService.waitFor(10, TimeUnit.SECONDS);
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> "exited".equals(podman("inspect", "--format", "{{.State.Status}}", container)));
    assertThat(awaited).isNotDone();

    ownService = startPodmanService(socket);
    assertThat(awaited.get(30, TimeUnit.SECONDS)).isEqualTo(7);
    assertThat(meters.counter("veil.agent.engine.events.reconnects").count()).isPositive();
  }

  private String run(String shell) {
    String id = docker.createContainerCmd(TestImages.busybox().asCanonicalNameString())
        .withCmd(List.of("sh", "-c", shell))
        .withLabels(Map.of(EngineLabels.NODE, nodeId))
        .exec().getId();
    docker.startContainerCmd(id).exec();
    return id;
  }

  private static DockerClient client(String host) {
    DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(host).build();
    return DockerClientImpl.getInstance(config, new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost()).build());
  }

  private static boolean onPodman() {
    if ("podman".equals(System.getenv("VEIL_ENGINE"))) {
      return true;
    }
    try {
      return new ProcessBuilder("podman", "--version").start().waitFor() == 0
          && String.valueOf(System.getenv("DOCKER_HOST")).contains("podman");
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static Process startPodmanService(Path socket) throws Exception {
    Process service = new ProcessBuilder("podman", "system", "service", "--time=0", "unix://" + socket)
        .redirectErrorStream(true)
        .redirectOutput(socket.resolveSibling("service.log").toFile())
        .start();
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(socket));
    return service;
  }

  private static String podman(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("podman"));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes()).trim();
    process.waitFor(20, TimeUnit.SECONDS);
    return out;
  }
}
