package dev.veil.gateway;

import dev.veil.model.auth.Ed25519;
import dev.veil.model.id.RandomIds;
import dev.veil.tunnel.ForwardName;
import dev.veil.tunnel.Tunnel;
import dev.veil.tunnel.TunnelClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Nodes as the gateway meets them: a fresh Ed25519 key each, dialing the gateway's tunnel port
 * with the real client the agent uses, forwarding its API to a server on loopback.
 */
final class TestNodes implements AutoCloseable {

  private final int tunnelPort;
  private final String fingerprint;
  private final Map<String, String> runningJobs;
  private final Map<String, String> owners;
  private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();

  /**
   * @param runningJobs the market stand-in's jobs, job ID → node, where services' jobs are put
   */
  TestNodes(int tunnelPort, String fingerprint, Map<String, String> runningJobs) {
    this(tunnelPort, fingerprint, runningJobs, new java.util.concurrent.ConcurrentHashMap<>());
  }

  /**
   * @param owners the market stand-in's job owners, job ID → owner
   */
  TestNodes(int tunnelPort, String fingerprint, Map<String, String> runningJobs, Map<String, String> owners) {
    this.tunnelPort = tunnelPort;
    this.fingerprint = fingerprint;
    this.runningJobs = runningJobs;
    this.owners = owners;
  }

  /** A node with a new key whose tunnel is open and whose API forward delivers to {@code agentPort}. */
  TestNode connect(int agentPort) {
    return connect(Ed25519.generate(), agentPort);
  }

  TestNode connect(KeyPair key, int agentPort) {
    TestNode node = open(key);
    try {
      node.tunnel.forward(ForwardName.NODE, "127.0.0.1", agentPort);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return node;
  }

  /** A node whose tunnel is open, with no forward yet. */
  TestNode open(KeyPair key) {
    try {
      TunnelClient client = new TunnelClient(key, fingerprint, Duration.ofSeconds(5));
      open.add(client);
      Tunnel tunnel = client.connect("127.0.0.1", tunnelPort, Duration.ofSeconds(10));
      return new TestNode(client.nodeId(), key, tunnel);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws Exception {
    for (AutoCloseable closeable : open) {
      closeable.close();
    }
  }

  final class TestNode {
    final String id;
    final KeyPair key;
    final Tunnel tunnel;
    private final Map<String, ForwardName> services = new java.util.concurrent.ConcurrentHashMap<>();

    TestNode(String id, KeyPair key, Tunnel tunnel) {
      this.id = id;
      this.key = key;
      this.tunnel = tunnel;
    }

    /** A job the market says this node runs. */
    String runJob() {
      String jobId = RandomIds.next();
      runningJobs.put(jobId, id);
      return jobId;
    }

    /** Exposes {@code port} on loopback as a private service of a job of its own; its new random ID. */
    String exposePrivate(int port) {
      return exposePrivate(RandomIds.next(), port);
    }

    String exposePrivate(String serviceId, int port) {
      try {
        ForwardName name = new ForwardName.PrivateService(runJob(), serviceId);
        tunnel.forward(name, "127.0.0.1", port);
        services.put(serviceId, name);
        return serviceId;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Exposes {@code port} as a private service of a job of {@code owner}'s open to that owner only; its new random ID. */
    String exposeOwnerOnly(int port, String owner) {
      try {
        String jobId = runJob();
        owners.put(jobId, owner);
        String serviceId = RandomIds.next();
        ForwardName name = new ForwardName.PrivateService(jobId, serviceId, true);
        tunnel.forward(name, "127.0.0.1", port);
        services.put(serviceId, name);
        return serviceId;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** The job a service of this node belongs to. */
    String jobOf(String serviceId) {
      return services.get(serviceId).job().orElseThrow();
    }

    void withdraw(String serviceId) {
      try {
        tunnel.cancel(services.remove(serviceId));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
