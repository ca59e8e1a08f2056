package dev.veil.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.opentest4j.TestAbortedException;

/**
 * Redis processes run from the distribution's {@code redis-server} in a directory of their own,
 * on loopback ports, for the topologies a container cannot give simply (a cluster, Sentinel).
 * Stopping it stops them all and deletes the directory.
 */
final class LocalRedis implements AutoCloseable {

  private final Path dir;
  private final List<Process> processes = new ArrayList<>();

  /**
   * A place for Redis processes; {@code what} names them in errors. Needs {@code redis-server}
   * and {@code redis-cli} (see {@link #requireInstalled}).
   */
  LocalRedis(String what) {
    requireInstalled(what);
    try {
      dir = Files.createTempDirectory("veil-redis-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Without {@code redis-server} and {@code redis-cli} on the PATH: a {@link TestAbortedException}
   * (a skip) on a laptop, a failure with {@code CI=true}; {@code ./veil test} installs them.
   */
  static void requireInstalled(String what) {
    ToolsOnPath.require(what, "redis-server", "redis-cli");
  }

  Path dir() {
    return dir;
  }

  /** Starts {@code redis-server} with {@code arguments} on {@code port}, and waits until it answers. */
  void server(int port, String... arguments) {
    List<String> command = new ArrayList<>(List.of("redis-server"));
    command.addAll(List.of(arguments));
    Path log = dir.resolve("redis-" + port + ".log");
    Process process;
    try {
      process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    processes.add(process);
    await(() -> {
      if (!process.isAlive()) {
        throw new IllegalStateException("redis-server on " + port + " exited (" + process.exitValue() + "): " + tail(log));
      }
      return cli(port, "PING").contains("PONG");
    }, "redis-server on " + port + " to answer");
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  /** {@code redis-cli -p port command...}: what it printed, or "" if it could not run. */
  static String cli(int port, String... command) {
    List<String> line = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(port)));
    line.addAll(List.of(command));
    return run(line);
  }

  /** Runs {@code command} for at most 30 s: what it printed, or "" if it could not start. */
  static String run(List<String> command) {
    Path out = null;
    try {
      out = Files.createTempFile("veil-redis-cli-", ".out");
      Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(command + " did not end within 30 s");
      }
      return Files.readString(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + command, e);
    } finally {
      if (out != null) {
        out.toFile().delete();
      }
    }
  }

  static void await(BooleanSupplier condition, String what) {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("timed out waiting for " + what);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for " + what, e);
      }
    }
  }

  @Override
  public void close() {
    processes.forEach(Process::destroy);
    for (Process process : processes) {
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      // a temporary directory left behind is harmless
    }
  }
}
