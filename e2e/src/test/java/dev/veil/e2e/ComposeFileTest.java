package dev.veil.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml's wiring, checked against the code it starts (ComposeStackIT runs it): every
 * service is built from a real module, every setting it passes is one that module reads, every
 * URL points at the port of the service it names, and start order follows health.
 */
class ComposeFileTest {

  static final List<String> MODULES = List.of("session-service", "job-market", "gateway", "host-agent");
  private static final Pattern LOCAL_URL = Pattern.compile("(?:https?|redis)://127\\.0\\.0\\.1:(\\d+)");

  static Map<String, Map<String, Object>> services;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void read() throws IOException {
    try (Reader reader = Files.newBufferedReader(LocalSuite.HOME.resolve("docker-compose.yml"))) {
      Map<String, Object> compose = new Yaml().load(reader);
      services = (Map<String, Map<String, Object>>) compose.get("services");
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, String> env(String service) {
    Map<String, String> env = new LinkedHashMap<>();
    ((Map<String, Object>) services.get(service).getOrDefault("environment", Map.of()))
        .forEach((name, value) -> env.put(name, String.valueOf(value)));
    return env;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Map<String, String>> dependsOn(String service) {
    return (Map<String, Map<String, String>>) services.get(service).getOrDefault("depends_on", Map.of());
  }

  static String port(String service) {
    return service.equals("redis") ? "6379" : env(service).get("PORT");
  }

  @Test
  void runsRedisAndTheFourServicesEachBuiltFromItsModule() {
    assertThat(services).containsOnlyKeys("redis", "session-service", "job-market", "gateway", "host-agent");
    for (String module : MODULES) {
      @SuppressWarnings("unchecked")
      Map<String, Object> build = (Map<String, Object>) services.get(module).get("build");
      assertThat(build.get("context")).as(module).isEqualTo(".");
      assertThat(build.get("args")).as(module).isEqualTo(Map.of("MODULE", module));
      // The Dockerfile copies this jar out of the build; the reactor built it before these tests.
      assertThat(LocalSuite.HOME.resolve(module).resolve("target").resolve(module + "-0.1.0-SNAPSHOT-exec.jar")).exists();
    }
    assertThat(LocalSuite.HOME.resolve("Dockerfile")).content()
        .contains("-pl \"$MODULE\" -am")
        .contains("cp \"$MODULE/target/$MODULE-0.1.0-SNAPSHOT-exec.jar\" /app.jar");
  }

  @Test
  void everySettingPassedIsOneTheModuleReads() {
    for (String module : MODULES) {
      ModuleSettings settings = ModuleSettings.of(module);
      for (String name : env(module).keySet()) {
        assertThat(settings.reads(name)).as("%s passes %s, which its application.yml neither reads nor binds", module, name).isTrue();
      }
    }
  }

  @Test
  void everyUrlPointsAtThePortOfTheServiceItNamesAndWaitsForItsHealth() {
    Map<String, String> named = Map.of("VEIL_REDIS_URL", "redis", "VEIL_SESSION_URL", "session-service",
        "VEIL_MARKET_URL", "job-market");
    for (String module : MODULES) {
      env(module).forEach((name, value) -> {
        if (!named.containsKey(name)) {
          return;
        }
        String target = named.get(name);
        Matcher url = LOCAL_URL.matcher(value);
        assertThat(url.matches()).as("%s %s=%s", module, name, value).isTrue();
        assertThat(url.group(1)).as("%s %s", module, name).isEqualTo(port(target));
        if (!target.equals(module)) {
          assertThat(dependsOn(module)).as("%s waits for %s", module, target).containsKey(target);
        }
      });
      dependsOn(module).forEach((dependency, how) -> {
        assertThat(services).containsKey(dependency);
        assertThat(how).containsEntry("condition", "service_healthy");
      });
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyServiceHasAHealthCheckOnItsOwnPort() {
    for (String service : services.keySet()) {
      Map<String, Object> health = (Map<String, Object>) services.get(service).get("healthcheck");
      assertThat(health).as(service).isNotNull();
      String test = String.join(" ", (List<String>) health.get("test"));
      if (service.equals("redis")) {
        assertThat(test).contains("redis-cli").contains("ping");
        continue;
      }
      String port = service.equals("gateway") ? env(service).get("MANAGEMENT_PORT") : port(service);
      assertThat(test).as(service).contains("http://127.0.0.1:" + port + "/actuator/health");
    }
    assertThat(LocalSuite.HOME.resolve("Dockerfile")).content().contains("install -y --no-install-recommends curl");
  }

  @Test
  @SuppressWarnings("unchecked")
  void aServiceRunAsItsImagesUserKeepsItsVolumesInItsHome() {
    // A new named volume takes the owner of the image's folder it is mounted on; the image's home,
    // /var/lib/veil, is its user's (Dockerfile). Anywhere else Docker makes it root's, unwritable.
    assertThat(LocalSuite.HOME.resolve("Dockerfile")).content().contains("--home-dir /var/lib/veil").contains("USER 10001");
    for (String module : MODULES) {
      if ("root".equals(services.get(module).get("user"))) {
        continue;
      }
      for (String volume : (List<String>) services.get(module).getOrDefault("volumes", List.of())) {
        String path = volume.split(":")[1];
        assertThat(path.equals("/var/lib/veil") || path.startsWith("/var/lib/veil/")).as(module + " mounts " + volume).isTrue();
      }
      env(module).values().stream().filter(value -> value.startsWith("/var/lib/"))
          .forEach(path -> assertThat(path).as(module).startsWith("/var/lib/veil/"));
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void theAgentDrivesTheHostsEngineAndNamesServicesUnderTheGatewaysDomain() {
    Map<String, String> agent = env("host-agent");
    assertThat((List<String>) services.get("host-agent").get("volumes"))
        .contains("${VEIL_ENGINE_SOCKET:-/var/run/docker.sock}:/var/run/docker.sock");
    assertThat(agent).containsEntry("DOCKER_HOST", "unix:///var/run/docker.sock");
    assertThat(agent.get("VEIL_AGENT_SERVICEURLFORMAT"))
        .isEqualTo("http://%s." + env("gateway").get("VEIL_NODE_DOMAIN") + ":" + env("gateway").get("PORT"));
    // The market's token is the one session-service trusts, and neither is written in the file.
    assertThat(env("session-service").get("VEIL_SESSION_SERVICETOKENS_JOBMARKET"))
        .isEqualTo(env("job-market").get("VEIL_MARKET_SESSION_TOKEN"))
        .startsWith("${VEIL_MARKET_SESSION_TOKEN:?");
    assertThat(env("session-service").get("VEIL_SESSION_SERVICETOKENS_GATEWAY"))
        .isEqualTo(env("gateway").get("VEIL_GATEWAY_SESSION_TOKEN"))
        .startsWith("${VEIL_GATEWAY_SESSION_TOKEN:?");
    // Only the gateway listens beyond loopback.
    for (String module : MODULES) {
      if (!module.equals("gateway")) {
        assertThat(env(module)).as(module).containsEntry("SERVER_ADDRESS", "127.0.0.1");
      }
    }
    assertThat(env("gateway")).containsEntry("MANAGEMENT_SERVER_ADDRESS", "127.0.0.1").doesNotContainKey("SERVER_ADDRESS");
  }

}
