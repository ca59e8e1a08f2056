package dev.veil.cli.config;

import dev.veil.cli.CliException;
import dev.veil.cli.ExitCodes;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * Where the CLI talks to and with which key. Each setting comes from its flag, else its
 * environment variable, else the config file ({@code ~/.config/veil/config.properties}, or
 * {@code VEIL_CONFIG}), else the local default.
 *
 * <pre>
 * gateway=https://veil.example.org
 * node-domain=node.example.org
 * key-file=/home/me/.config/veil/client.key
 * </pre>
 *
 * @param gateway    base URL of the gateway (default {@code http://localhost:8080})
 * @param nodeDomain domain of node and service names (default {@code node.<gateway host>}, {@code node.localhost} locally)
 * @param keyFile    the client's Ed25519 key (default {@code ~/.config/veil/client.key})
 */
public record CliSettings(URI gateway, String nodeDomain, Path keyFile) {

  public static CliSettings resolve(String gatewayFlag, String nodeDomainFlag, Path keyFlag, Map<String, String> env) {
    Properties file = load(env);
    String gateway = first(gatewayFlag, env.get("VEIL_GATEWAY_URL"), file.getProperty("gateway"), "http://localhost:8080");
    URI gatewayUri;
    try {
      gatewayUri = URI.create(gateway.endsWith("/") ? gateway.substring(0, gateway.length() - 1) : gateway);
      if (gatewayUri.getHost() == null || !(gatewayUri.getScheme().equals("http") || gatewayUri.getScheme().equals("https"))) {
        throw new IllegalArgumentException();
      }
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCodes.USAGE, "the gateway URL must be http(s)://host[:port], not " + gateway);
    }
    String host = gatewayUri.getHost();
    String derived = host.equals("localhost") || host.equals("127.0.0.1") ? "node.localhost" : "node." + host;
    String nodeDomain = first(nodeDomainFlag, env.get("VEIL_NODE_DOMAIN"), file.getProperty("node-domain"), derived);
    String home = System.getProperty("user.home");
    String key = first(keyFlag == null ? null : keyFlag.toString(), env.get("VEIL_KEY_FILE"), file.getProperty("key-file"),
        Path.of(home, ".config", "veil", "client.key").toString());
    return new CliSettings(gatewayUri, nodeDomain, Path.of(key));
  }

  /** The Host a node's or a service's name is reached by, with the gateway's port when it has one. */
  public String hostOf(String id) {
    return id + "." + nodeDomain + (gateway.getPort() == -1 ? "" : ":" + gateway.getPort());
  }

  /** The URL a user would type for a node or service, e.g. {@code http://<id>.node.localhost:8080}. */
  public String urlOf(String id) {
    return gateway.getScheme() + "://" + hostOf(id);
  }

  private static Properties load(Map<String, String> env) {
    Path path = env.containsKey("VEIL_CONFIG") ? Path.of(env.get("VEIL_CONFIG"))
        : Path.of(System.getProperty("user.home"), ".config", "veil", "config.properties");
    Properties properties = new Properties();
    if (Files.isRegularFile(path)) {
      try (Reader reader = Files.newBufferedReader(path)) {
        properties.load(reader);
      } catch (IOException e) {
        throw new CliException(ExitCodes.USAGE, "cannot read the config file " + path + ": " + e.getMessage());
      }
    }
    return properties;
  }

  private static String first(String... values) {
    for (String value : values) {
      if (value != null && !value.isBlank()) {
        return value.trim();
      }
    }
    return null;
  }
}
