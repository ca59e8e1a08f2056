package dev.veil.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A Veil service running as its own process from its built jar, on a free port, as in production:
 * for tests of one service that talk to another over real HTTP. Started healthy or not at all.
 */
public final class ServiceProcess implements AutoCloseable {

  private final Process process;
  private final int port;
  private final int managementPort;
  private final Path log;

  private ServiceProcess(Process process, int port, int managementPort, Path log) {
    this.process = process;
    this.port = port;
    this.managementPort = managementPort;
    this.log = log;
  }

  /**
   * Starts the jar built in sibling module {@code module} (e.g. {@code session-service}) with
   * {@code env}, on a free port, and waits until {@code /actuator/health} answers UP.
   */
  public static ServiceProcess start(String module, Map<String, String> env) {
    return start(module, env, 0);
  }

  /**
   * Like {@link #start(String, Map)}, for a service whose actuator is on a management port of its
   * own (the gateway: every path of its public port belongs to the names it routes).
   */
  public static ServiceProcess startWithManagementPort(String module, Map<String, String> env) {
    return start(module, env, RedisContainers.freePort());
  }

  private static ServiceProcess start(String module, Map<String, String> env, int managementPort) {
    return startOn(module, env, RedisContainers.freePort(), managementPort);
  }

  /**
   * Like {@link #start(String, Map)}, on ports the caller chose: for a service that others must
   * know the address of before it starts (a load balancer's backend). {@code managementPort} 0:
   * the actuator on {@code port}.
   */
  public static ServiceProcess startOn(String module, Map<String, String> env, int port, int managementPort) {
    Path jar = builtJar(module);
    try {
      Path log = Files.createTempFile(module + "-", ".log");
      List<String> command = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-jar", jar.toString(),
          "--server.port=" + port));
      if (managementPort > 0) {
        command.add("--management.server.port=" + managementPort);
      }
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      builder.environment().putAll(env);
      ServiceProcess service = new ServiceProcess(builder.start(), port, managementPort > 0 ? managementPort : port, log);
      service.awaitHealthy(Duration.ofSeconds(60));
      return service;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code http://localhost:<management port>}: the actuator's address (the same as {@link #baseUrl()} unless started apart). */
  public String managementUrl() {
    return "http://localhost:" + managementPort;
  }

  /** {@code http://localhost:<port>}. */
  public String baseUrl() {
    return "http://localhost:" + port;
  }

  private void awaitHealthy(Duration timeout) {
    HttpClient http = HttpClient.newHttpClient();
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("service exited with " + process.exitValue() + "; log: " + log);
      }
      try {
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(managementUrl() + "/actuator/health"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        if (health.statusCode() == 200 && health.body().contains("\"UP\"")) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      try {
        Thread.sleep(200); // polling a process that is starting up, not waiting out a deadline
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    close();
    throw new IllegalStateException("service not healthy within " + timeout + "; log: " + log);
  }

  private static Path builtJar(String module) {
    Path target = Path.of("..", module, "target").toAbsolutePath().normalize();
    try (Stream<Path> files = Files.list(target)) {
      return files.filter(p -> p.getFileName().toString().matches(module + "-.*-exec\\.jar")).findFirst()
          .orElseThrow(() -> new IllegalStateException("no executable jar in " + target + "; build " + module + " first"));
    } catch (IOException e) {
      throw new IllegalStateException("no " + target + "; build " + module + " first (the reactor does, via the test dependency)", e);
    }
  }

  /** Kills the process at once (SIGKILL), as a crash would: no shutdown hooks, no draining. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Freezes the process (SIGSTOP), as a service that hangs: the kernel still accepts connections,
   * nothing answers them, and its own timers stand still until {@link #resume()}.
   */
  public void pause() {
    signal("STOP");
  }

  /** Lets a paused process run again (SIGCONT). */
  public void resume() {
    signal("CONT");
  }

  private void signal(String name) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
      if (kill.waitFor() != 0) {
        throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** The process's output so far. */
  public String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /** Stops the process as an operator would (SIGTERM), giving it a minute to shut down gracefully. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
