package dev.veil.agent.engine;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.transport.DockerHttpClient;
import dev.veil.model.json.VeilJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Each job's own network: an internal bridge, so that its containers have no route off it — not
 * to the cluster, the host's other networks or a metadata address — and without DNS.
 *
 * <p>On Podman (4.3, netavark) it is made through Podman's own API, because the Docker-compatible
 * one always turns DNS on, and Podman's DNS server (aardvark-dns) forwards every name it does not
 * know to the host's resolvers: a way out of the network. How much of the host the job can reach
 * depends on whether it exposes ports:
 * <ul>
 *   <li>A job that exposes none gets a network with no gateway: the host has no address on it,
 *       so the containers cannot reach the host at all.</li>
 *   <li>A job that exposes ports needs the host on its network, since the agent relays its ports
 *       from there ({@code PortRelay}; an internal network forwards none): the host gets the
 *       network's gateway address. A container can then reach services that listen on all of the
 *       host's addresses ({@code 0.0.0.0}) through it; services bound to loopback, as the agent
 *       is by default, stay out of reach. Closing the rest takes the host's firewall (README).</li>
 * </ul>
 * Podman gives an internal network without DNS no gateway unless it is given a subnet, and picks
 * a free subnet only for a network with DNS: so it is asked for one that way first, and that
 * network is replaced by the same one without DNS.
 *
 * <p>Docker's compatible API is used as it is on other engines: an internal network, which has a
 * gateway on the host (not exercised here: this machine runs Podman).
 */
@Component
public class JobNetworks {

  private static final String LIBPOD_CREATE = "/v4.0.0/libpod/networks/create";
  private static final int ATTEMPTS = 3;

  private final DockerClient docker;
  private final DockerHttpClient http;
  private volatile Boolean podman;

  JobNetworks(DockerClient docker, DockerHttpClient http) {
    this.docker = docker;
    this.http = http;
  }

  private static <T> Mono<T> blocking(Callable<T> call) {
    // docker-java and the raw transport block: on the bounded-elastic scheduler.
    return Mono.fromCallable(call).subscribeOn(Schedulers.boundedElastic());
  }

  /**
   * The network of job {@code jobId} on node {@code nodeId}: {@code veil-<jobId>-<node tag>}.
   * Several agents may share one engine, and a job re-queued from one of them may run on another
   * while the first one's leftovers are still there: names are the node's as well as the job's.
   */
  public static String name(String nodeId, String jobId) {
    return "veil-" + jobId + "-" + EngineNames.nodeTag(nodeId);
  }

  /**
   * The host side of the job's network, {@code veil<11 hex digits of the node's and job's digest>}
   * (an interface name has at most 15): one firewall rule on {@code veil+} covers every job's bridge.
   */
  public static String bridge(String nodeId, String jobId) {
    return "veil" + EngineNames.digest(nodeId, jobId).substring(0, 11);
  }

  /**
   * Makes job {@code jobId}'s network on node {@code nodeId} and answers its name; {@code hostReachable}: the host gets
   * an address on it, for relaying exposed ports.
   */
  public Mono<String> create(String nodeId, String jobId, Map<String, String> labels, boolean hostReachable) {
    String name = name(nodeId, jobId);
    String bridge = bridge(nodeId, jobId);
    return blocking(() -> {
      if (!isPodman()) {
        docker.createNetworkCmd().withName(name).withDriver("bridge").withInternal(true).withLabels(labels)
            .withOptions(Map.of("com.docker.network.bridge.name", bridge)).exec();
      } else if (!hostReachable) {
        podmanCreate(new PodmanNetwork(name, bridge, false, null, labels));
      } else {
        createWithGateway(name, bridge, labels);
      }
      return name;
    });
  }

  private void createWithGateway(String name, String bridge, Map<String, String> labels) throws IOException {
    for (int attempt = 1; ; attempt++) {
      podmanCreate(new PodmanNetwork(name, bridge, true, null, labels));
      Network.Ipam.Config free = docker.inspectNetworkCmd().withNetworkId(name).exec().getIpam().getConfig().get(0);
      docker.removeNetworkCmd(name).exec();
      try {
        podmanCreate(new PodmanNetwork(name, bridge, false, List.of(new Subnet(free.getSubnet(), free.getGateway())), labels));
        return;
      } catch (SubnetTaken taken) {
        // Another network took the subnet between the two steps: ask again.
        if (attempt == ATTEMPTS) {
          throw taken;
        }
      }
    }
  }

  private void podmanCreate(PodmanNetwork network) throws IOException {
    DockerHttpClient.Request request = DockerHttpClient.Request.builder()
        .method(DockerHttpClient.Request.Method.POST)
        .path(LIBPOD_CREATE)
        .putHeader("Content-Type", "application/json")
        .bodyBytes(VeilJson.write(network))
        .build();
    try (DockerHttpClient.Response response = http.execute(request)) {
      if (response.getStatusCode() / 100 != 2) {
        String answer = new String(response.getBody().readNBytes(2048), StandardCharsets.UTF_8);
        if (answer.contains("already used on the host")) {
          throw new SubnetTaken(answer);
        }
        throw new IOException("the engine answered " + response.getStatusCode() + " to a network creation: " + answer);
      }
    }
  }

  private boolean isPodman() {
    Boolean known = podman;
    if (known == null) {
      var components = docker.versionCmd().exec().getComponents();
      known = components != null && components.stream().anyMatch(c -> c.getName() != null && c.getName().contains("Podman"));
      podman = known;
    }
    return known;
  }

  /** Removes a network; one already gone is fine. */
  public Mono<Void> remove(String name) {
    return blocking(() -> {
      try {
        docker.removeNetworkCmd(name).exec();
      } catch (NotFoundException gone) {
        // already removed
      }
      return true;
    }).then();
  }

  /** Names of networks carrying {@code label=value}. */
  public Mono<List<String>> labelled(String label, String value) {
    return blocking(() -> docker.listNetworksCmd().withFilter("label", List.of(label + "=" + value)).exec().stream()
        .map(Network::getName).toList());
  }

  /** Podman's network creation body; {@code isolate}: no traffic with other isolated networks either. */
  record PodmanNetwork(String name, String driver, @JsonProperty("network_interface") String networkInterface,
      boolean internal, @JsonProperty("dns_enabled") boolean dnsEnabled, List<Subnet> subnets,
      Map<String, String> options, Map<String, String> labels) {

    PodmanNetwork(String name, String bridge, boolean dnsEnabled, List<Subnet> subnets, Map<String, String> labels) {
      this(name, "bridge", bridge, true, dnsEnabled, subnets, Map.of("isolate", "true"), labels);
    }
  }

  record Subnet(String subnet, String gateway) {}

  private static final class SubnetTaken extends IOException {
    SubnetTaken(String message) {
      super(message);
    }
  }
}
