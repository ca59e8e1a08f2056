package dev.veil.testsupport;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * A real Redis Cluster of three primaries (no replicas) on loopback ports, run from the
 * distribution's {@code redis-server} and made a cluster with {@code redis-cli --cluster create},
 * as an operator would: the 16,384 hash slots split three ways, so keys of different hash tags
 * live on different processes and a script whose keys span two slots fails as it would in
 * production. Needs {@code redis-server} (see {@link LocalRedis}).
 */
public final class RedisCluster implements AutoCloseable {

  /** How many primaries: the smallest cluster Redis accepts. */
  public static final int PRIMARIES = 3;

  private static RedisCluster shared;

  private final LocalRedis redis;
  private final List<Integer> ports = new ArrayList<>();
  private RedisClusterClient client;
  private StatefulRedisClusterConnection<String, String> connection;

  private RedisCluster(LocalRedis redis) {
    this.redis = redis;
  }

  /**
   * One cluster for the whole test JVM, started on first use and stopped when the JVM exits,
   * emptied ({@code FLUSHALL} on every primary) on every call: a test class that takes it starts
   * from an empty store. Test classes using it close their Spring context after themselves
   * ({@code @DirtiesContext}), so no service of an earlier class still writes to it.
   */
  public static synchronized RedisCluster shared() {
    if (shared == null) {
      shared = start();
      RedisCluster cluster = shared;
      Runtime.getRuntime().addShutdownHook(new Thread(cluster::close, "redis-cluster-stop"));
    }
    shared.commands().flushall();
    return shared;
  }

  /** {@link #shared()}, with a Spring test's Redis settings pointed at it. */
  public static RedisCluster sharedFor(DynamicPropertyRegistry registry) {
    RedisCluster cluster = shared();
    registry.add("spring.data.redis.cluster.nodes", cluster::nodes);
    return cluster;
  }

  /** Starts the three primaries, joins them into one cluster and waits until it serves every slot. */
  private static RedisCluster start() {
    RedisCluster cluster = new RedisCluster(new LocalRedis("a Redis Cluster"));
    try {
      for (int i = 0; i < PRIMARIES; i++) {
        int port = RedisContainers.freePort();
        cluster.ports.add(port);
        // The bus port is a free port of its own: the default, port + 10,000, overflows above 55,535.
        cluster.redis.server(port, "--port", Integer.toString(port), "--bind", "127.0.0.1",
            "--cluster-enabled", "yes", "--cluster-port", Integer.toString(RedisContainers.freePort()),
            "--cluster-config-file", "nodes-" + port + ".conf",
            "--cluster-node-timeout", "5000", "--save", "", "--appendonly", "no");
      }
      List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
      cluster.ports.forEach(port -> create.add("127.0.0.1:" + port));
      create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
      String created = LocalRedis.run(create);
      if (!created.contains("[OK]")) {
        throw new IllegalStateException("redis-cli --cluster create failed:\n" + created);
      }
      for (int port : cluster.ports) {
        LocalRedis.await(() -> LocalRedis.cli(port, "CLUSTER", "INFO").contains("cluster_state:ok"),
            "the cluster to be ok on " + port);
      }
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /** The seed nodes as Spring Boot's {@code spring.data.redis.cluster.nodes} takes them: {@code 127.0.0.1:p1,...}. */
  public String nodes() {
    return ports.stream().map(port -> "127.0.0.1:" + port).collect(Collectors.joining(","));
  }

  /** {@code redis://127.0.0.1:p} of each primary, for a plain cluster client. */
  private List<String> uris() {
    return ports.stream().map(port -> "redis://127.0.0.1:" + port).toList();
  }

  /**
   * Commands on the cluster as a test reads or arranges the store: routed by key to the primary
   * that owns its slot, as Lettuce's cluster client does; {@code KEYS} and {@code FLUSHALL} go to
   * every primary.
   */
  public synchronized RedisAdvancedClusterCommands<String, String> commands() {
    if (connection == null) {
      client = RedisClusterClient.create(uris().stream().map(RedisURI::create).toList());
      connection = client.connect();
    }
    return connection.sync();
  }

  /**
   * How many clients listen on {@code channel} across the cluster: a client subscribes on one
   * node of its choosing and a message published anywhere reaches every node, so each node counts
   * only its own subscribers.
   */
  public long subscribers(String channel) {
    long total = 0;
    for (int port : ports) {
      List<String> lines = LocalRedis.cli(port, "PUBSUB", "NUMSUB", channel).lines().map(String::strip).toList();
      if (lines.size() >= 2 && lines.get(1).matches("\\d+")) {
        total += Long.parseLong(lines.get(1));
      }
    }
    return total;
  }

  @Override
  public synchronized void close() {
    if (connection != null) {
      connection.close();
      client.shutdown();
      connection = null;
    }
    redis.close();
  }
}
