package dev.veil.testsupport;

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

  /** {@code redis://host:port} of a started container. */
  public static String uri(GenericContainer<?> redis) {
    return "redis://" + redis.getHost() + ":" + redis.getMappedPort(PORT);
  }
}
