package dev.veil.testsupport;

import com.github.dockerjava.api.model.ExposedPort;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;

/**
 * A real Redis for tests. Declare it in a test class as
 *
 * <pre>{@code
 * @Container @ServiceConnection(name = "redis")
 * static final GenericContainer<?> redis = RedisContainers.redis();
 * }</pre>
 *
 * and Spring Boot points its Redis client at it; or read {@link #uri} for a plain client.
 */
public final class RedisContainers {

  /** The port Redis listens on inside the container. */
  public static final int PORT = 6379;

  private RedisContainers() {}

  /** A Redis container (not yet started), ready once Redis accepts connections. */
  @SuppressWarnings("resource") // the caller owns its lifecycle (Testcontainers' @Container or try-with-resources)
  public static GenericContainer<?> redis() {
    return new GenericContainer<>(TestImages.redis())
        .withExposedPorts(PORT)
        .waitingFor(Wait.forLogMessage(".*Ready to accept connections.*\\n", 1));
  }

  /**
   * A Redis container published on a fixed host port and keeping its data in an append-only
   * file, so it can be stopped and started again at the same address with its data, as a
   * production Redis would (a test of an outage and the recovery after it).
   */
  public static GenericContainer<?> redisOnHostPort(int hostPort) {
    return redis()
        .withWorkingDirectory("/data")
        .withCommand("redis-server", "--bind", "0.0.0.0", "--protected-mode", "no", "--appendonly", "yes", "--appendfsync", "always")
        .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withPortBindings(
        new PortBinding(Ports.Binding.bindPort(hostPort), new ExposedPort(PORT))));
  }

  /**
   * A free TCP port on this machine, for a server a test starts there ({@link #redisOnHostPort},
   * a service process, a fixed agent port). Taken below Linux's ephemeral range (32768 and up):
   * a port there, free when asked, can be taken by any outgoing connection before the server
   * binds it (CI saw an agent fail to start so). Never the same port twice in one JVM.
   */
  public static synchronized int freePort() {
    for (int tries = 0; tries < 500; tries++) {
      int port = FIXED_PORTS_FROM + RANDOM.nextInt(FIXED_PORTS_TO - FIXED_PORTS_FROM);
      if (!HANDED_OUT.contains(port) && bindable(port)) {
        HANDED_OUT.add(port);
        return port;
      }
    }
    throw new IllegalStateException("no free port between " + FIXED_PORTS_FROM + " and " + FIXED_PORTS_TO);
  }

  private static final int FIXED_PORTS_FROM = 20000;
  private static final int FIXED_PORTS_TO = 32768;
  private static final java.util.Random RANDOM = new java.util.Random();
  private static final java.util.Set<Integer> HANDED_OUT = new java.util.HashSet<>();

  private static boolean bindable(int port) {
    // On every address, as a server listening on 0.0.0.0 binds it (and loopback with it).
    try (ServerSocket socket = new ServerSocket(port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** {@code redis://host:port} of a started container. */
  public static String uri(GenericContainer<?> redis) {
    return "redis://" + redis.getHost() + ":" + redis.getMappedPort(PORT);
  }

  /**
   * Commands on a started container's Redis, as a test reads or arranges the store: one
   * connection per container, kept for the JVM's life and not reconnected once the container has
   * stopped (so a test class's container leaves nothing trying to reach it).
   */
  public static RedisCommands<String, String> commands(GenericContainer<?> redis) {
    return commands(uri(redis));
  }

  /** The same for a Redis at {@code uri} (a process a test started: {@link RedisSentinel}'s primary). */
  static synchronized RedisCommands<String, String> commands(String uri) {
    // A later Redis on a port an earlier one used gets a connection of its own.
    CONNECTIONS.computeIfPresent(uri, (key, connection) -> connection.isOpen() ? connection : null);
    return CONNECTIONS.computeIfAbsent(uri, key -> {
      RedisClient client = RedisClient.create(key);
      client.setOptions(ClientOptions.builder().autoReconnect(false).build());
      Runtime.getRuntime().addShutdownHook(new Thread(client::shutdown, "redis-client-stop"));
      return client.connect();
    }).sync();
  }

  private static final Map<String, StatefulRedisConnection<String, String>> CONNECTIONS = new HashMap<>();
}
