package dev.veil.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Network;
import dev.veil.agent.engine.ContainerConfinement;
import dev.veil.agent.engine.EngineLabels;
import dev.veil.agent.engine.JobNetworks;
import dev.veil.agent.expose.ServiceExposer;
import dev.veil.model.auth.Ed25519;
import dev.veil.model.id.ExposeIds;
import dev.veil.model.market.JobRecord;
import dev.veil.model.result.FlowState;
import dev.veil.model.result.JobStatus;
import dev.veil.model.result.LogEntry;
import dev.veil.model.result.OpState;
import dev.veil.model.result.OpStatus;
import dev.veil.model.result.ServiceStatus;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import dev.veil.testsupport.SilentServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * Job containers are confined, proven with real containers through the engine ({@code ./veil
 * test}'s: Podman here): small limits set for this agent, then jobs that push against each of them.
 * Network checks send traffic only to loopback and to the job network's own addresses.
 */
@RequiresContainerEngine
@Testcontainers
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
class JobContainerHardeningIT {

  static final long MEMORY = 64L * 1024 * 1024;
  static final int PIDS = 64;

  @Container
  static final GenericContainer<?> redis = RedisContainers.redis();

  static Suite suite;
  static final int AGENT_PORT = RedisContainers.freePort();

  @DynamicPropertySource
  static void network(DynamicPropertyRegistry registry) throws Exception {
    suite = new Suite(redis);
    suite.agentProperties(registry, AGENT_PORT,
        "veil.agent.container-memory", "64MB",
        "veil.agent.container-cpus", "0.5",
        "veil.agent.container-pids", Integer.toString(PIDS),
        "veil.agent.image-pull-timeout", "PT4S",
        "veil.agent.stop-grace", "PT1S");
  }

  @AfterAll
  static void stopNetwork() {
    suite.close();
  }

  @Autowired
  ServiceExposer exposer;

  final KeyPair alice = Ed25519.generate();
  final DockerClient docker = Suite.docker();

  static OpState op(FlowState result, String id) {
    return result.opStates().stream().filter(o -> o.operationId().equals(id)).findFirst().orElseThrow();
  }

  static List<String> lines(OpState op, String stream) {
    return op.logs().stream().filter(l -> l.type().equals(stream)).map(LogEntry::log).toList();
  }

  static String only(OpState op, String prefix) {
    return lines(op, LogEntry.STDOUT).stream().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow()
        .substring(prefix.length()).trim();
  }

  /** The ID of the job's running container, or null. */
  String runningContainerOf(String jobId) {
    return docker.listContainersCmd().withLabelFilter(Map.of(EngineLabels.JOB, jobId)).exec().stream()
        .filter(c -> "running".equals(c.getState())).map(c -> c.getId()).findFirst().orElse(null);
  }

  @Test
  void aJobRunsWithoutNewPrivilegesWithOnlyTheKeptCapabilitiesAndTheHostsLimits() throws Exception {
    JobRecord job = suite.post(alice, Suite.job("""
        {"version": "0.1", "type": "container", "ops": [
          {"type": "container/run", "id": "inside", "args": {"image": "ubuntu",
           "cmd": "grep -E '^(NoNewPrivs|CapEff|CapBnd):' /proc/self/status; sleep 60"}}]}"""), null);
    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
        .until(() -> runningContainerOf(job.jobId()) != null);

    InspectContainerResponse container = docker.inspectContainerCmd(runningContainerOf(job.jobId())).exec();
    HostConfig host = container.getHostConfig();
    assertThat(host.getMemory()).isEqualTo(MEMORY);
    assertThat(host.getMemorySwap()).as("no swap beyond the memory limit").isEqualTo(MEMORY);
    assertThat(host.getNanoCPUs()).isEqualTo(500_000_000L);
    assertThat(host.getPidsLimit()).isEqualTo((long) PIDS);
    assertThat(host.getPrivileged()).isFalse();
    assertThat(host.getBinds()).isNullOrEmpty();
    String nodeId = suite.record(job.jobId()).nodeId();
    String networkName = JobNetworks.name(nodeId, job.jobId());
    assertThat(container.getNetworkSettings().getNetworks()).as("only the job's own network").containsOnlyKeys(networkName);
    Network network = docker.inspectNetworkCmd().withNetworkId(networkName).exec();
    assertThat(network.getInternal()).as("no route off the job's network").isTrue();
    String subnet = network.getIpam().getConfig().get(0).getSubnet();
    assertThat(hostAddressesIn(subnet)).as("a job exposing nothing: the host has no address on its network " + subnet).isEmpty();
    NetworkInterface bridge = NetworkInterface.getByName(JobNetworks.bridge(nodeId, job.jobId()));
    assertThat(bridge).as("the host side of the job's network, named for a firewall rule on veil+").isNotNull();
    assertThat(bridge.inetAddresses().filter(address -> address instanceof Inet4Address)).isEmpty();
    assertThat(network.getLabels()).containsEntry(EngineLabels.JOB, job.jobId()).containsEntry(EngineLabels.NODE, nodeId);

    assertThat(suite.stop(alice, job.jobId())).isEqualTo(200);
    OpState inside = op(suite.awaitResult(job.jobId(), Duration.ofSeconds(30)), "inside");
    assertThat(only(inside, "NoNewPrivs:")).isEqualTo("1");
    assertThat(Long.parseLong(only(inside, "CapEff:"), 16)).isEqualTo(mask(ContainerConfinement.KEPT_CAPABILITIES));
    assertThat(Long.parseLong(only(inside, "CapBnd:"), 16)).isEqualTo(mask(ContainerConfinement.KEPT_CAPABILITIES));
    assertThat(Suite.containersOf(docker, job.jobId())).isZero();
    assertThat(Suite.networksOf(docker, job.jobId())).as("the job's network is removed with it").isZero();
  }

  /** This host's IPv4 addresses within {@code cidr}, e.g. {@code 10.89.3.0/24}. */
  static List<String> hostAddressesIn(String cidr) throws SocketException {
    String[] parts = cidr.split("/");
    int prefix = Integer.parseInt(parts[1]);
    int network = toInt(parts[0]);
    int mask = prefix == 0 ? 0 : -1 << (32 - prefix);
    return NetworkInterface.networkInterfaces()
        .flatMap(NetworkInterface::inetAddresses)
        .filter(address -> address instanceof Inet4Address)
        .map(InetAddress::getHostAddress)
        .filter(address -> (toInt(address) & mask) == (network & mask))
        .toList();
  }

  static int toInt(String ipv4) {
    int value = 0;
    for (String octet : ipv4.split("\\.")) {
      value = value << 8 | Integer.parseInt(octet);
    }
    return value;
  }

  /** The kernel's numbers for the capabilities kept (linux/capability.h). */
  static long mask(List<Capability> capabilities) {
    Map<Capability, Integer> bits = Map.of(Capability.CHOWN, 0, Capability.DAC_OVERRIDE, 1, Capability.FOWNER, 3,
        Capability.KILL, 5, Capability.SETGID, 6, Capability.SETUID, 7, Capability.NET_BIND_SERVICE, 10);
    return capabilities.stream().mapToLong(c -> 1L << bits.get(c)).reduce(0, (a, b) -> a | b);
  }

  @Test
  void anOpMayAskForLessThanTheHostGivesButNotForMore() throws Exception {
    JobRecord job = suite.post(alice, Suite.job("""
        {"version": "0.1", "type": "container", "global": {"image": "ubuntu"}, "ops": [
          {"type": "container/run", "id": "modest", "args": {"cmd": "sleep 60",
           "limits": {"memory": "32m", "cpus": 0.25, "pids": 16}}}]}"""), null);
    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
        .until(() -> runningContainerOf(job.jobId()) != null);

    HostConfig host = docker.inspectContainerCmd(runningContainerOf(job.jobId())).exec().getHostConfig();
    assertThat(host.getMemory()).isEqualTo(32L * 1024 * 1024);
    assertThat(host.getMemorySwap()).isEqualTo(32L * 1024 * 1024);
    assertThat(host.getNanoCPUs()).isEqualTo(250_000_000L);
    assertThat(host.getPidsLimit()).isEqualTo(16L);
    suite.stop(alice, job.jobId());

    FlowState second = suite.awaitResult(suite.post(alice, Suite.job("""
        {"version": "0.1", "type": "container", "global": {"image": "ubuntu"}, "ops": [
          {"type": "container/run", "id": "greedy", "args": {"cmd": "echo never", "limits": {"memory": "1g"}}}]}"""), null).jobId(),
        Duration.ofSeconds(60));
    OpState refused = op(second, "greedy");
    assertThat(refused.status()).isEqualTo(OpStatus.FAILED);
    assertThat(refused.errors()).contains("this op asks for 1 GiB of memory; this host gives each container at most 64 MiB");
    assertThat(refused.logs()).noneMatch(line -> line.log().contains("never"));
  }

  @Test
  void aForkBombStopsAtThePidsLimitAndTheAgentRunsTheNextOp() throws Exception {
    // Bounded (2^10 processes without a limit) so that a broken limit cannot take the host down.
    JobRecord job = suite.post(alice, Suite.job("""
        {"version": "0.1", "type": "container", "global": {"image": "ubuntu"}, "ops": [
          {"type": "container/run", "id": "bomb", "args": {"cmd":
           "bomb() { if [ $1 -gt 0 ]; then bomb $(($1 - 1)) & bomb $(($1 - 1)); else sleep 5; fi; }; sleep 2 & s=$!; bomb 10 & wait $s; c=0; for p in /proc/[0-9]*; do c=$((c + 1)); done; echo processes $c"}},
          {"type": "container/run", "id": "after", "args": {"cmd": "echo still here"}}]}"""), null);

    FlowState result = suite.awaitResult(job.jobId(), Duration.ofSeconds(60));

    OpState bomb = op(result, "bomb");
    assertThat(bomb.status()).isEqualTo(OpStatus.SUCCESS);
    assertThat(Integer.parseInt(only(bomb, "processes"))).isBetween(2, PIDS);
    assertThat(lines(bomb, LogEntry.STDERR)).anyMatch(line -> line.contains("can't fork"));
    assertThat(lines(op(result, "after"), LogEntry.STDOUT)).containsExactly("still here");
    HttpResponse<String> info = suite.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + AGENT_PORT + "/node/info")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(info.statusCode()).isEqualTo(200);
  }

  @Test
  void anAllocationBeyondTheMemoryLimitEndsTheOpWithAnOutOfMemoryError() throws Exception {
    JobRecord job = suite.post(alice, Suite.job("""
        {"version": "0.1", "type": "container", "ops": [
          {"type": "container/run", "id": "greedy", "args": {"image": "ubuntu",
           "cmd": "echo allocating; dd if=/dev/zero of=/dev/null bs=256M count=1"}}]}"""), null);

    FlowState result = suite.awaitResult(job.jobId(), Duration.ofSeconds(60));

    OpState greedy = op(result, "greedy");
    assertThat(greedy.status()).isEqualTo(OpStatus.FAILED);
    // Exactly that where the engine reports the OOM kill; Podman 4 on cgroup v1 does not, and then the
    // SIGKILL is put down to the memory limit.
    assertThat(greedy.errors()).anyMatch(error -> error.equals("the container ran out of memory (limit 64 MiB)")
        || error.equals("the container was killed (SIGKILL), most likely for running out of memory (limit 64 MiB)"));
    assertThat(greedy.exitCode()).isEqualTo(137);
    assertThat(lines(greedy, LogEntry.STDOUT)).containsExactly("allocating");
  }

  @Test
  void aJobCannotReachAListenerOnTheHostsLoopbackNorTheAgentsPort() throws Exception {
    try (SilentServer listener = new SilentServer()) {
      // The op exposes a port, so the host is on the job's network (at its gateway, the subnet's
      // first address): the one address of the host a job can send to at all. Nothing else is tried.
      JobRecord job = suite.post(alice, Suite.job("""
          {"version": "0.1", "type": "container", "ops": [
            {"type": "container/run", "id": "probe", "args": {"image": "ubuntu", "expose": [{"port": 8080, "type": "web"}],
             "cmd": "ip -4 route | sed 's/^/route /'; sed -n 's/^nameserver /dns /p' /etc/resolv.conf; set -- $(ip -4 route | grep 'scope link' | head -1); net=${1%%/*}; gw=${net%%.*}.$((${net##*.} + 1)); echo gateway $gw; for target in $gw:%d $gw:%d 127.0.0.1:%d; do if nc -w 2 ${target%%:*} ${target##*:} </dev/null 2>/dev/null; then echo reached $target; else echo unreachable $target; fi; done"}}]}"""
          .formatted(listener.port(), AGENT_PORT, listener.port())), null);

      FlowState result = suite.awaitResult(job.jobId(), Duration.ofSeconds(60));

      OpState probe = op(result, "probe");
      assertThat(probe.status()).isEqualTo(OpStatus.SUCCESS);
      List<String> routes = lines(probe, LogEntry.STDOUT).stream().filter(l -> l.startsWith("route ")).toList();
      assertThat(routes).as("only the job's own subnet: no default route to the cluster or a metadata address")
          .singleElement().asString().contains("scope link").doesNotContain("default");
      String gateway = only(probe, "gateway");
      assertThat(lines(probe, LogEntry.STDOUT)).contains(
          "unreachable " + gateway + ":" + listener.port(),
          "unreachable " + gateway + ":" + AGENT_PORT,
          "unreachable 127.0.0.1:" + listener.port());
      assertThat(listener.connections()).isZero();
      assertThat(lines(probe, LogEntry.STDOUT)).as("no DNS server on the job's network: Podman's forwards to the host's resolvers")
          .doesNotContain("dns " + gateway);
      assertThat(Suite.networksOf(docker, job.jobId())).isZero();
    }
  }

  @Test
  void anExposedNginxStillAnswersThroughItsPublishedPort() throws Exception {
    String json = Files.readString(Path.of("..", "spec", "private-expose-job.json")).replace("\"private\": true", "\"private\": false");
    JobRecord job = suite.post(alice, Suite.job(json), null);
    String serviceId = ExposeIds.publicId(0, 80, job.jobId());

    try (RedisClient client = RedisClient.create(RedisContainers.uri(redis));
         StatefulRedisConnection<String, String> connection = client.connect()) {
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> suite.viaGateway(serviceId, "/").status() == 200);
      assertThat(suite.viaGateway(serviceId, "/").body()).containsIgnoringCase("nginx");
      int port = exposer.relayPort(serviceId).orElseThrow();
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> exposer.status(serviceId) == ServiceStatus.ONLINE);

      assertThat(suite.stop(alice, job.jobId())).isEqualTo(200);
      suite.awaitResult(job.jobId(), Duration.ofSeconds(30));
      assertThat(connection.sync().exists("veil:{tunnel}:service:" + serviceId)).isZero();
      assertThat(refused("127.0.0.1", port)).as("the published port is closed with the op").isTrue();
    }
  }

  static boolean refused(String host, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), 1000);
      return false;
    } catch (IOException refused) {
      return true;
    }
  }

  @Test
  void aPullThatDoesNotFinishFailsTheOpAtThePullTimeout() throws Exception {
    try (SilentServer registry = new SilentServer()) {
      String image = "127.0.0.1:" + registry.port() + "/veil-silent:1";
      JobRecord job = suite.post(alice, Suite.job("""
          {"version": "0.1", "type": "container", "ops": [
            {"type": "container/run", "id": "stuck", "args": {"image": "%s", "cmd": "true"}}]}""".formatted(image)), null);

      FlowState result = suite.awaitResult(job.jobId(), Duration.ofSeconds(30));

      OpState stuck = op(result, "stuck");
      assertThat(stuck.status()).isEqualTo(OpStatus.FAILED);
      assertThat(stuck.errors()).containsExactly("image '" + image + "' could not be pulled: the pull did not finish within 4 s");
      assertThat(registry.connections()).as("the engine did go to the registry").isPositive();
    }
  }

  @Test
  void theJobsTimeoutCancelsAPull() throws Exception {
    try (SilentServer registry = new SilentServer()) {
      String image = "127.0.0.1:" + registry.port() + "/veil-silent:2";
      long posted = System.currentTimeMillis();
      JobRecord job = suite.post(alice, Suite.job("""
          {"version": "0.1", "type": "container", "ops": [
            {"type": "container/run", "id": "stuck", "args": {"image": "%s", "cmd": "true"}}]}""".formatted(image)), 2L);

      FlowState result = suite.awaitResult(job.jobId(), Duration.ofSeconds(30));

      assertThat(result.status()).isEqualTo(JobStatus.STOPPED);
      assertThat(result.errors()).contains("the job exceeded its timeout of 2 s and was stopped");
      OpState stuck = op(result, "stuck");
      assertThat(stuck.status()).isEqualTo(OpStatus.STOPPED);
      assertThat(stuck.errors()).containsExactly("not run: the job was stopped (timeout) while its image was pulled");
      // Well before the pull's own timeout of 4 s would have ended it.
      assertThat(result.endTime() - result.startTime()).isLessThan(3_500);
    }
  }
}
