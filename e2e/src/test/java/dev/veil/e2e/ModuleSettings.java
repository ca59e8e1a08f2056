package dev.veil.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;

/**
 * What a module's process reads from its environment, from its own {@code application.yml}: the
 * placeholders it names, every key it binds (relaxed, as Spring Boot binds {@code VEIL_AGENT_X}
 * to {@code veil.agent.x}), Spring Boot's own {@code SERVER_}, {@code MANAGEMENT_SERVER_} and
 * {@code SPRING_} settings, and the Redis topology service-support reads. Deployment files
 * (docker-compose.yml, the Kubernetes manifests) are checked against it: a setting no module reads
 * is a typo that would be silently ignored.
 */
final class ModuleSettings {

  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z0-9_]+)");
  /** Read by service-support's RedisTopologySettings in every service that uses Redis. */
  private static final Set<String> REDIS_TOPOLOGY = Set.of("VEIL_REDIS_CLUSTER_NODES", "VEIL_REDIS_SENTINEL_MASTER",
      "VEIL_REDIS_SENTINEL_NODES");

  private final List<String> placeholders = new ArrayList<>();
  private final Map<String, Boolean> keys;
  private final Map<String, Object> values = new LinkedHashMap<>();
  private final boolean usesRedis;

  private ModuleSettings(String yaml) {
    Matcher m = PLACEHOLDER.matcher(yaml);
    while (m.find()) {
      placeholders.add(m.group(1));
    }
    Map<String, Object> tree = new Yaml().load(yaml);
    keys = relaxedKeys(tree);
    collect("", tree, new LinkedHashMap<>(), values);
    usesRedis = placeholders.contains("VEIL_REDIS_URL");
  }

  /** The settings of {@code module}, from its application.yml in this checkout. */
  static ModuleSettings of(String module) {
    try {
      return new ModuleSettings(Files.readString(LocalSuite.HOME.resolve(module).resolve("src/main/resources/application.yml")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether the module reads environment variable {@code name}. */
  boolean reads(String name) {
    boolean springOwn = name.startsWith("SERVER_") || name.startsWith("MANAGEMENT_SERVER_") || name.startsWith("SPRING_");
    String relaxed = name.toLowerCase().replace("_", "");
    boolean bound = keys.entrySet().stream().anyMatch(k -> k.getValue() ? relaxed.startsWith(k.getKey()) : relaxed.equals(k.getKey()));
    return springOwn || placeholders.contains(name) || bound || (usesRedis && REDIS_TOPOLOGY.contains(name));
  }

  /** Whether its application.yml turns on the actuator's liveness and readiness groups. */
  boolean hasHealthProbes() {
    return Boolean.TRUE.equals(values.get("managementendpointhealthprobesenabled"));
  }

  /** Every key of an application.yml in relaxed form (lower case, no dots or dashes), true where its value is a map. */
  @SuppressWarnings("unchecked")
  static Map<String, Boolean> relaxedKeys(Map<String, Object> yaml) {
    Map<String, Boolean> keys = new LinkedHashMap<>();
    collect("", yaml, keys, new LinkedHashMap<>());
    return keys;
  }

  @SuppressWarnings("unchecked")
  private static void collect(String prefix, Map<String, Object> node, Map<String, Boolean> keys, Map<String, Object> values) {
    node.forEach((key, value) -> {
      String path = prefix + key.toLowerCase().replace("-", "").replace(".", "");
      if (value instanceof Map<?, ?> child && !child.isEmpty()) {
        collect(path, (Map<String, Object>) child, keys, values);
      } else {
        keys.put(path, value instanceof Map<?, ?>);
        values.put(path, value);
      }
    });
  }
}
