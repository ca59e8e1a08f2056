package dev.veil.testsupport;

import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Redis primary watched by a real Sentinel, both from the distribution's {@code redis-server}
 * ({@code --sentinel}) on loopback ports: a client given only the Sentinel and the primary's name
 * ({@link #MASTER}) must ask the Sentinel where the primary is, as in production. Needs
 * {@code redis-server} (see {@link LocalRedis}).
 */
public final class RedisSentinel implements AutoCloseable {

  /** The name the Sentinel knows the primary by. */
  public static final String MASTER = "veil";

  private final LocalRedis redis;
  private final int primaryPort = RedisContainers.freePort();
  private final int sentinelPort = RedisContainers.freePort();
  private static RedisSentinel shared;

  private RedisSentinel(LocalRedis redis) {
    this.redis = redis;
  }

  /**
   * One primary and Sentinel for the whole test JVM, started on first use and stopped when the JVM
   * exits, emptied ({@code FLUSHALL}) on every call. Test classes using it close their Spring
   * context after themselves ({@code @DirtiesContext}).
   */
  public static synchronized RedisSentinel shared() {
    if (shared == null) {
      shared = start();
      RedisSentinel sentinel = shared;
      Runtime.getRuntime().addShutdownHook(new Thread(sentinel::close, "redis-sentinel-stop"));
    }
    shared.commands().flushall();
    return shared;
  }

  /** Starts the primary and its Sentinel, and waits until the Sentinel names the primary. */
  private static RedisSentinel start() {
    RedisSentinel sentinel = new RedisSentinel(new LocalRedis("a Redis Sentinel"));
    try {
      int primary = sentinel.primaryPort;
      sentinel.redis.server(primary, "--port", Integer.toString(primary), "--bind", "127.0.0.1", "--save", "",
          "--appendonly", "no");
      // Sentinel rewrites its configuration file, so it gets one of its own.
      Path config = sentinel.redis.dir().resolve("sentinel.conf");
      Files.writeString(config, String.join("\n",
          "port " + sentinel.sentinelPort,
          "bind 127.0.0.1",
          "sentinel monitor " + MASTER + " 127.0.0.1 " + primary + " 1",
          "sentinel down-after-milliseconds " + MASTER + " 5000", ""));
      sentinel.redis.server(sentinel.sentinelPort, config.toString(), "--sentinel");
      LocalRedis.await(() -> LocalRedis.cli(sentinel.sentinelPort, "SENTINEL", "get-master-addr-by-name", MASTER)
          .contains(Integer.toString(primary)), "the Sentinel to name the primary");
      return sentinel;
    } catch (IOException e) {
      sentinel.close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      sentinel.close();
      throw e;
    }
  }

  /** The Sentinels as {@code spring.data.redis.sentinel.nodes} takes them. */
  public String nodes() {
    return "127.0.0.1:" + sentinelPort;
  }

  /** Commands on the primary, as a test reads the store (the connection {@link RedisContainers} keeps per address). */
  public RedisCommands<String, String> commands() {
    return RedisContainers.commands("redis://127.0.0.1:" + primaryPort);
  }

  @Override
  public void close() {
    redis.close();
  }
}
