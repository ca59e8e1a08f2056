package dev.veil.e2e;

import dev.veil.testsupport.RedisContainers;
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
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * HAProxy (Debian's) in front of a service's replicas, as an operator's load balancer or a
 * Kubernetes Service stands in front of them: each frontend on a port of its own, each backend
 * health-checked every two seconds and taken out after three failed checks; a connection a replica
 * refuses is sent to another at once. HTTP frontends balance per request; TCP ones (the tunnels)
 * per connection.
 */
final class LoadBalancer implements AutoCloseable {

  /** One replica: where it serves, and where its health is checked (its actuator's port for HTTP, the port itself for TCP). */
  record Backend(int port, int checkPort) {}

  /** One balanced service: the port clients use, and its replicas. */
  record Frontend(String name, boolean http, int port, List<Backend> backends) {}

  private final Process process;
  private final Path log;
  private final int statsPort;

  private LoadBalancer(Process process, Path log, int statsPort) {
    this.process = process;
    this.log = log;
    this.statsPort = statsPort;
  }

  /** Whether Debian's {@code haproxy} is installed ({@code ./veil test} installs it). */
  static boolean installed() {
    try {
      return new ProcessBuilder("haproxy", "-v").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start().waitFor() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** A free port for a frontend, chosen before anything listens on it. */
  static int port() {
    return RedisContainers.freePort();
  }

  /** Starts HAProxy with {@code frontends}; returns once it listens on every frontend's port. */
  static LoadBalancer start(List<Frontend> frontends) {
    try {
      Path dir = Files.createTempDirectory("veil-haproxy-");
      Path config = dir.resolve("haproxy.cfg");
      int statsPort = port();
      Files.writeString(config, config(frontends, statsPort));
      Path log = dir.resolve("haproxy.log");
      Process check = new ProcessBuilder("haproxy", "-c", "-f", config.toString()).redirectErrorStream(true).start();
      String checked = new String(check.getInputStream().readAllBytes());
      if (check.waitFor() != 0) {
        throw new IllegalStateException("haproxy refused its configuration: " + checked + "\n" + Files.readString(config));
      }
      // -db: in the foreground, its process is this one; stopped with it.
      Process process = new ProcessBuilder("haproxy", "-db", "-f", config.toString()).redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      LoadBalancer balancer = new LoadBalancer(process, log, statsPort);
      try {
        balancer.awaitListening(frontends, Duration.ofSeconds(10));
      } catch (RuntimeException | IOException | InterruptedException e) {
        balancer.close();
        throw e;
      }
      return balancer;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static String config(List<Frontend> frontends, int statsPort) {
    List<String> lines = new ArrayList<>(List.of(
        "global",
        "  maxconn 8192",
        "defaults",
        "  timeout connect 2s",
        "  timeout client 5m",
        "  timeout server 5m",
        "  timeout tunnel 1h",
        // A connection refused (a replica just killed, not yet marked down) is tried again, on another replica.
        "  retries 3",
        "  option redispatch 1",
        // A replica busy for a moment is not a dead one: taken out after three missed checks of 5 s each.
        "  timeout check 5s",
        "  default-server inter 2s fall 3 rise 2",
        "frontend stats",
        "  mode http",
        "  bind 127.0.0.1:" + statsPort,
        "  stats enable",
        "  stats uri /stats"));
    for (Frontend frontend : frontends) {
      String mode = frontend.http() ? "http" : "tcp";
      lines.addAll(List.of(
          "frontend " + frontend.name(),
          "  mode " + mode,
          "  bind 127.0.0.1:" + frontend.port(),
          "  default_backend " + frontend.name() + "-replicas",
          "backend " + frontend.name() + "-replicas",
          "  mode " + mode,
          "  balance roundrobin"));
      if (frontend.http()) {
        // Only a request that never reached a replica is sent again: nothing is done twice.
        lines.addAll(List.of("  option httpchk GET /actuator/health", "  http-check expect status 200",
            "  retry-on conn-failure", "  http-reuse safe"));
      }
      int i = 1;
      for (Backend backend : frontend.backends()) {
        lines.add("  server " + frontend.name() + "-" + i++ + " 127.0.0.1:" + backend.port() + " check port " + backend.checkPort());
      }
    }
    return String.join("\n", lines) + "\n";
  }

  private void awaitListening(List<Frontend> frontends, Duration timeout) throws InterruptedException, IOException {
    Instant deadline = Instant.now().plus(timeout);
    for (Frontend frontend : frontends) {
      while (true) {
        if (!process.isAlive()) {
          throw new IllegalStateException("haproxy exited with " + process.exitValue() + ": " + Files.readString(log));
        }
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", frontend.port())) {
          break;
        } catch (IOException notYet) {
          if (Instant.now().isAfter(deadline)) {
            throw new IllegalStateException("haproxy does not listen on " + frontend.port() + ": " + Files.readString(log));
          }
          Thread.sleep(50); // polling a process that is starting up
        }
      }
    }
  }

  /**
   * How many requests (HTTP) or connections (TCP) HAProxy has sent to each replica, by its server
   * name ({@code <frontend>-1}, {@code <frontend>-2}): its own count, health checks not included.
   */
  Map<String, Long> forwarded() {
    try {
      HttpResponse<String> csv = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statsPort + "/stats;csv")).build(),
          HttpResponse.BodyHandlers.ofString());
      List<String> lines = csv.body().lines().toList();
      List<String> columns = List.of(lines.get(0).replaceFirst("^# ", "").split(","));
      int name = columns.indexOf("svname");
      int total = columns.indexOf("stot");
      Map<String, Long> forwarded = new TreeMap<>();
      for (String line : lines.subList(1, lines.size())) {
        String[] fields = line.split(",", -1);
        if (fields.length > total && !List.of("FRONTEND", "BACKEND").contains(fields[name]) && !fields[0].equals("stats")) {
          forwarded.put(fields[name], Long.parseLong(fields[total]));
        }
      }
      return forwarded;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** What HAProxy printed (replicas going down and up). */
  String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
