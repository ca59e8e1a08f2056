package dev.veil.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.cli.CliException;
import dev.veil.cli.ExitCodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliSettingsTest {

  @TempDir Path dir;

  private Map<String, String> withConfig(String text, Map<String, String> more) throws IOException {
    Path config = dir.resolve("config.properties");
    Files.writeString(config, text);
    java.util.HashMap<String, String> env = new java.util.HashMap<>(more);
    env.put("VEIL_CONFIG", config.toString());
    return env;
  }

  @Test
  void defaultsToTheLocalSuite() {
    CliSettings settings = CliSettings.resolve(null, null, null, Map.of("VEIL_CONFIG", dir.resolve("absent").toString()));

    assertThat(settings.gateway()).hasToString("http://localhost:8080");
    assertThat(settings.nodeDomain()).isEqualTo("node.localhost");
    assertThat(settings.keyFile()).isEqualTo(Path.of(System.getProperty("user.home"), ".config", "veil", "client.key"));
    assertThat(settings.urlOf("abc")).isEqualTo("http://abc.node.localhost:8080");
  }

  @Test
  void flagBeatsEnvironmentBeatsConfigFile() throws IOException {
    Map<String, String> env = withConfig("gateway=https://file.example\nnode-domain=node.file.example\nkey-file=/file.key\n",
        Map.of("VEIL_GATEWAY_URL", "https://env.example/", "VEIL_KEY_FILE", "/env.key"));

    CliSettings fromEnv = CliSettings.resolve(null, null, null, env);
    assertThat(fromEnv.gateway()).hasToString("https://env.example");
    assertThat(fromEnv.nodeDomain()).isEqualTo("node.file.example");
    assertThat(fromEnv.keyFile()).isEqualTo(Path.of("/env.key"));

    CliSettings fromFlags = CliSettings.resolve("http://flag.example:9000", "n.flag.example", Path.of("/flag.key"), env);
    assertThat(fromFlags.gateway()).hasToString("http://flag.example:9000");
    assertThat(fromFlags.nodeDomain()).isEqualTo("n.flag.example");
    assertThat(fromFlags.keyFile()).isEqualTo(Path.of("/flag.key"));
    assertThat(fromFlags.hostOf("abc")).isEqualTo("abc.n.flag.example:9000");
  }

  @Test
  void nodeDomainFollowsTheGatewayHostUnlessSet() throws IOException {
    CliSettings settings = CliSettings.resolve("https://veil.example.org", null, null, withConfig("", Map.of()));

    assertThat(settings.nodeDomain()).isEqualTo("node.veil.example.org");
    assertThat(settings.urlOf("abc")).isEqualTo("https://abc.node.veil.example.org");
  }

  @Test
  void aGatewayThatIsNotAnHttpUrlIsAUsageError() throws IOException {
    Map<String, String> env = withConfig("", Map.of());
    for (String bad : new String[] {"localhost:8080", "ftp://example.org", "http://", "not a url"}) {
      assertThatThrownBy(() -> CliSettings.resolve(bad, null, null, env))
          .isInstanceOf(CliException.class)
          .extracting(e -> ((CliException) e).exitCode()).isEqualTo(ExitCodes.USAGE);
    }
  }
}
