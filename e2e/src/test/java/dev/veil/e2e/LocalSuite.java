package dev.veil.e2e;

import dev.veil.testsupport.RedisContainers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The suite exactly as a user starts it, {@code ./veil up}, on free ports and with its own state
 * directory so it never meets a suite the developer already runs; stopped by {@code ./veil down}.
 */
final class LocalSuite implements AutoCloseable {

  static final Path HOME = Path.of("..").toAbsolutePath().normalize();
  private static final Pattern NODE_ID = Pattern.compile("node ID +(\\S+)");

  final Path state;
  final int gatewayPort;
  final String nodeId;
  private final Map<String, String> env;

  /** What a {@code ./veil} command did: its exit code, stdout and stderr. */
  record Run(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
    }
  }

  private LocalSuite(Path state, int gatewayPort, Map<String, String> env, String nodeId) {
    this.state = state;
    this.gatewayPort = gatewayPort;
    this.env = env;
    this.nodeId = nodeId;
  }

  static LocalSuite up() throws IOException {
    return up(Map.of());
  }

  /** The same, with {@code settings} (environment variables, e.g. {@code VEIL_AGENT_DOCKERHOST}) for every process it starts. */
  static LocalSuite up(Map<String, String> settings) throws IOException {
    Path state = Files.createTempDirectory("veil-e2e-");
    int gatewayPort = RedisContainers.freePort();
    Map<String, String> env = new HashMap<>();
    env.put("VEIL_STATE", state.toString());
    env.put("VEIL_REDIS_PORT", Integer.toString(RedisContainers.freePort()));
    env.put("VEIL_SESSION_PORT", Integer.toString(RedisContainers.freePort()));
    env.put("VEIL_MARKET_PORT", Integer.toString(RedisContainers.freePort()));
    env.put("VEIL_GATEWAY_PORT", Integer.toString(gatewayPort));
    env.put("VEIL_GATEWAY_MANAGEMENT_PORT", Integer.toString(RedisContainers.freePort()));
    env.put("VEIL_AGENT_PORT", Integer.toString(RedisContainers.freePort()));
    env.put("VEIL_TUNNEL_PORT", Integer.toString(RedisContainers.freePort()));
    env.put("VEIL_NODE_DOMAIN", "node.localhost");
    // The CLI's settings, as a user would export them; no config file of the developer's is read.
    env.put("VEIL_GATEWAY_URL", "http://localhost:" + gatewayPort);
    env.put("VEIL_KEY_FILE", state.resolve("client.key").toString());
    env.put("VEIL_CONFIG", state.resolve("no-config.properties").toString());
    env.putAll(settings);

    LocalSuite suite = new LocalSuite(state, gatewayPort, env, null);
    Run up = suite.veil(Duration.ofMinutes(10), "up");
    if (up.exitCode() != 0) {
      suite.close();
      throw new IllegalStateException("./veil up failed: " + up + "\n" + suite.logs());
    }
    Matcher node = NODE_ID.matcher(up.out());
    if (!node.find() || node.group(1).equals("unknown")) {
      suite.close();
      throw new IllegalStateException("./veil up printed no node ID: " + up);
    }
    return new LocalSuite(state, gatewayPort, env, node.group(1));
  }

  /** Runs {@code ./veil args...} from the checkout, as a user types it. */
  Run veil(Duration timeout, String... args) {
    return veil(timeout, Map.of(), args);
  }

  /** {@code ./veil} with {@code extraEnv} added to the suite's environment. */
  Run veil(Duration timeout, Map<String, String> extraEnv, String... args) {
    try {
      Path out = Files.createTempFile(state, "veil-", ".out");
      Path err = Files.createTempFile(state, "veil-", ".err");
      List<String> command = new java.util.ArrayList<>(List.of(HOME.resolve("veil").toString()));
      command.addAll(List.of(args));
      ProcessBuilder builder = new ProcessBuilder(command).directory(HOME.toFile())
          .redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
      builder.environment().putAll(env);
      builder.environment().putAll(extraEnv);
      Process process = builder.start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("./veil " + String.join(" ", args) + " did not finish within " + timeout
            + "\n" + Files.readString(out) + Files.readString(err));
      }
      return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  Run veil(String... args) {
    return veil(Duration.ofMinutes(3), args);
  }

  /** The gateway's own address: the public APIs. */
  String gateway() {
    return "http://localhost:" + gatewayPort;
  }

  /** A service's own address, past the gateway, by the port variable {@code ./veil up} was given: {@code VEIL_SESSION_PORT}, ... */
  String direct(String portVariable) {
    return "http://127.0.0.1:" + env.get(portVariable);
  }

  /** What a user types for a node or a service: {@code http://<id>.node.localhost:<port>}. */
  String urlOf(String id) {
    return "http://" + id + ".node.localhost:" + gatewayPort;
  }

  /** The PIDs {@code ./veil up} recorded. */
  List<Path> pidFiles() throws IOException {
    Path pids = state.resolve("up/pids");
    if (!Files.isDirectory(pids)) {
      return List.of();
    }
    try (var files = Files.list(pids)) {
      return files.sorted().toList();
    }
  }

  /** What those PID files hold, in the same order. */
  List<String> pids() throws IOException {
    List<String> pids = new java.util.ArrayList<>();
    for (Path file : pidFiles()) {
      pids.add(Files.readString(file));
    }
    return pids;
  }

  /** The PID {@code ./veil up} recorded for {@code service} ({@code redis}, {@code job-market}, ...). */
  long pid(String service) throws IOException {
    return Long.parseLong(Files.readString(state.resolve("up/pids/" + service + ".pid")).trim());
  }

  /** Sends {@code signal} ({@code STOP}, {@code CONT}, {@code KILL}) to {@code service}'s process, as an outage would. */
  void signal(String service, String signal) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid(service))).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IllegalStateException("kill -" + signal + " " + service + " failed");
    }
    if (signal.equals("KILL")) {
      // Gone once /proc no longer has it: a restart may then take its port.
      long pid = pid(service);
      for (int i = 0; i < 100 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false); i++) {
        Thread.sleep(100);
      }
    }
  }

  /** {@code ./veil up} again: starts what is not running, nothing else. */
  void restartWhatIsDown() {
    Run up = veil(Duration.ofMinutes(5), "up");
    if (up.exitCode() != 0) {
      throw new IllegalStateException("./veil up failed: " + up + "\n" + logs());
    }
  }

  /** Every service's log, for a failure message. */
  String logs() {
    StringBuilder all = new StringBuilder();
    try (var files = Files.list(state.resolve("up/logs"))) {
      for (Path log : files.sorted().toList()) {
        List<String> lines = Files.readAllLines(log);
        all.append("--- ").append(log.getFileName()).append(" (last 40 lines)\n")
            .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()))).append('\n');
      }
    } catch (IOException e) {
      all.append("(no logs: ").append(e).append(")");
    }
    return all.toString();
  }

  /** Every service's whole log, to check nothing private reached one. */
  String allLogText() throws IOException {
    StringBuilder all = new StringBuilder();
    try (var files = Files.list(state.resolve("up/logs"))) {
      for (Path log : files.sorted().toList()) {
        all.append(Files.readString(log));
      }
    }
    return all.toString();
  }

  @Override
  public void close() {
    Run down = veil(Duration.ofMinutes(3), "down");
    if (down.exitCode() != 0) {
      throw new IllegalStateException("./veil down failed: " + down);
    }
  }
}
