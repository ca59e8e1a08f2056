package dev.veil.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.testsupport.ToolsOnPath;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host agent outside the cluster, as {@code deploy/host} runs it under systemd: the unit is one
 * {@code systemd-analyze verify} finds nothing wrong with, and every setting of the example
 * environment file is one the agent reads. (systemd itself cannot run a unit here.)
 */
class HostUnitTest {

  static final Path HOST = LocalSuite.HOME.resolve("deploy/host");

  static Map<String, String> exampleEnv() throws IOException {
    Map<String, String> env = new LinkedHashMap<>();
    for (String line : Files.readAllLines(HOST.resolve("agent.env.example"))) {
      if (!line.isBlank() && !line.startsWith("#")) {
        env.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
      }
    }
    return env;
  }

  @Test
  void everySettingOfTheExampleEnvironmentIsOneTheAgentReads() throws IOException {
    ModuleSettings agent = ModuleSettings.of("host-agent");
    Map<String, String> env = exampleEnv();
    assertThat(env).containsKeys("VEIL_MARKET_URL", "VEIL_SESSION_URL", "VEIL_TUNNEL_HOST", "VEIL_TUNNEL_PORT",
        "VEIL_TUNNEL_FINGERPRINT", "VEIL_AGENT_SERVICEURLFORMAT", "DOCKER_HOST");
    env.keySet().forEach(name -> assertThat(agent.reads(name)).as("agent.env.example sets %s, which the agent does not read", name)
        .isTrue());
    // Where the unit lets it write, and nowhere else.
    String unit = Files.readString(HOST.resolve("veil-agent.service"));
    assertThat(env.get("VEIL_NODE_KEY_FILE")).startsWith("/var/lib/veil/");
    assertThat(env.get("VEIL_AGENT_DATA_DIR")).startsWith("/var/lib/veil/");
    assertThat(unit).contains("ReadWritePaths=/var/lib/veil").contains("ProtectSystem=strict").contains("EnvironmentFile=/etc/veil/agent.env")
        .contains("User=veil");
    assertThat(env).containsEntry("SERVER_ADDRESS", "127.0.0.1");
  }

  @Test
  void systemdFindsNothingWrongWithTheUnit(@TempDir Path dir) throws Exception {
    ToolsOnPath.require("verifying the host's systemd unit", "systemd-analyze");
    Path unit = dir.resolve("veil-agent.service");
    Files.copy(HOST.resolve("veil-agent.service"), unit);
    Process verify = new ProcessBuilder("systemd-analyze", "verify", unit.toString()).redirectErrorStream(true).start();
    String said = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(verify.waitFor(1, TimeUnit.MINUTES)).isTrue();
    assertThat(verify.exitValue()).as(said).isZero();
    // It exits 0 on an unknown key or section too: anything it says about the unit is a defect.
    List<String> about = said.lines().filter(line -> line.contains("veil-agent.service")).toList();
    assertThat(about).as("systemd-analyze verify").isEmpty();
  }
}
