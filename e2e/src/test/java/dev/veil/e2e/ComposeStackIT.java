package dev.veil.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.auth.Ed25519;
import dev.veil.model.id.RandomIds;
import dev.veil.model.json.VeilJson;
import dev.veil.model.market.JobRecord;
import dev.veil.model.market.JobState;
import dev.veil.model.result.FlowState;
import dev.veil.model.result.JobStatus;
import dev.veil.model.result.ServiceUrls;
import dev.veil.testsupport.ClientLogin;
import dev.veil.testsupport.MarketApi;
import dev.veil.testsupport.RequiresContainerEngine;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml run for real: the four images built from this checkout by the root
 * Dockerfile ({@code --target prebuilt}: the jars this build made, on the JRE base
 * {@code ./veil test} provides), {@code docker-compose up} (Compose 1.29, Debian's, against the
 * engine's Docker-compatible socket) as the README says — the gateway first, its host key's
 * fingerprint read from its {@code /actuator/info}, then the rest — every health check passing,
 * the seed's three private flows with the seed's curl commands through the stack's gateway, then
 * {@code down -v}, after which nothing of the stack is left on the engine.
 *
 * <p>Podman runs a container's health check from a systemd timer; where systemd is not PID 1 (a
 * container, a CI runner) nothing would run them, so this test runs each service's own compose
 * health check ({@code podman healthcheck run}) every two seconds, as the timer would.
 */
@RequiresContainerEngine
class ComposeStackIT {

  static final String PROJECT = "veil-compose-it";
  static final List<String> MODULES = ComposeFileTest.MODULES;
  static final List<String> SERVICES = List.of("redis", "session-service", "job-market", "gateway", "host-agent");
  /** The ports docker-compose.yml's services take on the host (network_mode: host). */
  static final int[] PORTS = {6379, 8081, 8082, 8080, 8089, 2222, 9090};
  static final String GATEWAY = "http://localhost:8080";

  static final Map<String, String> env = new HashMap<>();
  static volatile boolean running;
  static Thread healthChecks;
  static String nodeId;
  static ClientLogin login;
  static MarketApi market;

  final KeyPair alice = Ed25519.generate();

  static String engine() {
    return "docker".equals(System.getenv("VEIL_ENGINE")) ? "docker" : "podman";
  }

  record Ran(int exit, String out) {}

  static Ran run(Duration limit, List<String> command) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(LocalSuite.HOME.toFile()).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process = builder.start();
    byte[] out = process.getInputStream().readAllBytes();
    if (!process.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException(String.join(" ", command) + " took longer than " + limit);
    }
    return new Ran(process.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  static Ran compose(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("docker-compose", "-p", PROJECT));
    command.addAll(List.of(args));
    Ran ran = run(Duration.ofMinutes(5), command);
    assertThat(ran.exit()).as("docker-compose " + String.join(" ", args) + "\n" + ran.out()).isZero();
    return ran;
  }

  static String container(String service) {
    return PROJECT + "_" + service + "_1";
  }

  static String health(String service) throws IOException, InterruptedException {
    return run(Duration.ofSeconds(30), List.of(engine(), "inspect", "--format", "{{.State.Health.Status}}", container(service)))
        .out().trim();
  }

  static void awaitHealthy(String... services) {
    Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
      for (String service : services) {
        assertThat(health(service)).as(service + "'s health").isEqualTo("healthy");
      }
    });
  }

  @BeforeAll
  static void up() throws Exception {
    for (int port : PORTS) {
      try (ServerSocket probe = new ServerSocket(port)) {
        probe.setReuseAddress(true);
      } catch (IOException taken) {
        throw new IllegalStateException("port " + port + " is in use: docker-compose.yml's stack needs it (is ./veil up running?)");
      }
    }
    String socket = System.getenv().getOrDefault("DOCKER_HOST", "unix:///var/run/docker.sock");
    env.put("VEIL_ENGINE_SOCKET", socket.replaceFirst("^unix://", ""));
    env.put("VEIL_REDIS_IMAGE", System.getenv().getOrDefault("VEIL_TEST_REDIS_IMAGE", "redis:7.4-alpine"));
    env.put("VEIL_MARKET_SESSION_TOKEN", RandomIds.next());
    env.put("VEIL_GATEWAY_SESSION_TOKEN", RandomIds.next());
    // The images, as the Dockerfile builds them, from the jars this build made.
    for (String module : MODULES) {
      Ran built = run(Duration.ofMinutes(10), List.of(engine(), "build", "-q", "--target", "prebuilt",
          "--build-arg", "MODULE=" + module,
          "--build-arg", "JRE_IMAGE=" + System.getenv().getOrDefault("VEIL_TEST_JRE_IMAGE", "eclipse-temurin:17-jre"),
          "-t", "veil/" + module + ":0.1.0", "."));
      assertThat(built.exit()).as("building " + module + "'s image\n" + built.out()).isZero();
    }
    compose("down", "-v", "--remove-orphans");
    running = true;
    if (engine().equals("podman")) {
      healthChecks = new Thread(ComposeStackIT::runHealthChecks, "compose-health-checks");
      healthChecks.setDaemon(true);
      healthChecks.start();
    }
    // As the README says: the gateway first (it makes its tunnel host key), then its fingerprint for the agent.
    compose("up", "-d", "--no-build", "gateway");
    awaitHealthy("redis", "session-service", "job-market", "gateway");
    Curl.Reply info = Curl.run("http://127.0.0.1:8089/actuator/info");
    String fingerprint = VeilJson.strict().readTree(info.body()).path("tunnel").path("hostKeyFingerprint").asString();
    assertThat(fingerprint).startsWith("SHA256:");
    env.put("VEIL_TUNNEL_FINGERPRINT", fingerprint);
    compose("up", "-d", "--no-build");
    awaitHealthy(SERVICES.toArray(String[]::new));
    nodeId = VeilJson.strict().readTree(Curl.run("http://127.0.0.1:9090/node/info").body()).path("nodeId").asString();
    login = new ClientLogin(GATEWAY);
    market = new MarketApi(GATEWAY, login);
    // The agent is claiming once its tunnel is open: its API answers through the gateway.
    await().until(() -> Curl.run(urlOf(nodeId) + "/node/info").status() == 200);
  }

  private static void runHealthChecks() {
    while (running) {
      for (String service : SERVICES) {
        try {
          run(Duration.ofSeconds(30), List.of("podman", "healthcheck", "run", container(service)));
        } catch (IOException | RuntimeException e) {
          // Not created yet, or gone: the next round asks again.
        } catch (InterruptedException e) {
          return;
        }
      }
      try {
        Thread.sleep(2000);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  @AfterAll
  static void down() throws Exception {
    try {
      compose("down", "-v", "--remove-orphans");
    } finally {
      running = false;
    }
    // Nothing of the stack is left: no container, no volume, no job container of its agent.
    List<List<String>> leftovers = new ArrayList<>(List.of(
        List.of(engine(), "ps", "-a", "-q", "--filter", "label=com.docker.compose.project=" + PROJECT),
        List.of(engine(), "volume", "ls", "-q", "--filter", "label=com.docker.compose.project=" + PROJECT)));
    if (nodeId != null) {
      leftovers.add(List.of(engine(), "ps", "-a", "-q", "--filter", "label=dev.veil.node=" + nodeId));
    }
    for (List<String> left : leftovers) {
      Ran listed = run(Duration.ofSeconds(30), left);
      assertThat(listed.exit()).isZero();
      assertThat(listed.out().strip()).as(String.join(" ", left)).isEmpty();
    }
  }

  static ConditionFactory await() {
    return Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500));
  }

  static String urlOf(String id) {
    return "http://" + id + ".node.localhost:8080";
  }

  static String spec(String name) throws IOException {
    return Files.readString(LocalSuite.HOME.resolve("spec").resolve(name));
  }

  String session(String jobId) {
    return login.login(alice, jobId, nodeId).sessionId();
  }

  JobRecord awaitHostStatus(String jobId, JobStatus status) {
    return ClientWaits.hostStatus(market, jobId, status);
  }

  JobRecord awaitEnd(String jobId) {
    return ClientWaits.end(market, jobId);
  }

  /** The seed's: curl -X POST "http://${NODE_ID}.node.localhost:8080/job-definition/${JOB_ID}" -H "x-session-id: ..." ... */
  static Curl.Reply curlSendDefinition(String jobId, String sessionId) {
    return Curl.sendDefinition(urlOf(nodeId), jobId, sessionId);
  }

  static Curl.Reply curlGet(String path, String sessionId) {
    return Curl.ownerGet(urlOf(nodeId), path, sessionId);
  }

  @Test
  void theImagesServeTheProbesTheKubernetesManifestsAsk() {
    // The manifests (KubernetesManifestsTest) probe these paths on these ports of the same images.
    Map<String, Integer> actuators = Map.of("session-service", 8081, "job-market", 8082, "gateway", 8089);
    actuators.forEach((module, port) -> {
      for (String probe : List.of("/actuator/health/liveness", "/actuator/health/readiness")) {
        Curl.Reply reply = Curl.run("http://127.0.0.1:" + port + probe);
        assertThat(reply.status()).as(module + " " + probe).isEqualTo(200);
        assertThat(reply.body()).as(module + " " + probe).contains("\"status\":\"UP\"");
      }
    });
  }

  @Test
  void privateDefinitionThroughTheComposeStack() throws Exception {
    JobRecord job = market.post(alice, VeilJson.readJobFile(spec("private-send-template.json")), 600L);
    awaitHostStatus(job.jobId(), JobStatus.WAITING_FOR_JOB_DEFINITION);

    Curl.Reply sent = curlSendDefinition(job.jobId(), session(job.jobId()));
    assertThat(sent.status()).as(sent.body()).isEqualTo(200);
    assertThat(sent.body()).isEqualTo("{\"jobId\":\"" + job.jobId() + "\",\"status\":\"accepted\"}");

    assertThat(awaitEnd(job.jobId()).state()).isEqualTo(JobState.COMPLETED);
    assertThat(market.record(job.jobId()).definition().ops()).isEmpty();
    assertThat(market.resultText(job.jobId())).contains("hello world").doesNotContain("echo hello world");
  }

  @Test
  void privateResultThroughTheComposeStack() throws Exception {
    JobRecord job = market.post(alice, VeilJson.readJobFile(spec("private-send-receive-template.json")), 600L);
    awaitHostStatus(job.jobId(), JobStatus.WAITING_FOR_JOB_DEFINITION);
    String session = session(job.jobId());
    assertThat(curlSendDefinition(job.jobId(), session).status()).isEqualTo(200);
    awaitHostStatus(job.jobId(), JobStatus.WAITING_FOR_RESULT);

    Curl.Reply collected = curlGet("/job-result/" + job.jobId(), session);
    assertThat(collected.status()).isEqualTo(200);
    FlowState full = VeilJson.readStrict(collected.body().getBytes(), FlowState.class);
    assertThat(full.opStates().get(0).logs()).anyMatch(l -> l.log().equals("hello world"));

    assertThat(awaitEnd(job.jobId()).state()).isEqualTo(JobState.COMPLETED);
    assertThat(market.resultText(job.jobId())).doesNotContain("hello world");
    assertThat(curlGet("/job-result/" + job.jobId(), session).status()).as("served once").isEqualTo(410);
  }

  @Test
  void privateServiceUrlThroughTheComposeStack() throws Exception {
    JobRecord job = market.post(alice, VeilJson.readJobFile(spec("private-expose-job.json")), 600L);
    String session = session(job.jobId());
    ServiceUrls found = ClientWaits.onlineUrls(() -> curlGet("/service/url/" + job.jobId(), session));
    String serviceId = found.urls().keySet().iterator().next();
    assertThat(found.urls().get(serviceId).url()).isEqualTo(urlOf(serviceId));

    Curl.Reply page = Curl.run(urlOf(serviceId) + "/");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.body()).contains("Welcome to");
    assertThat(market.recordText(job.jobId())).doesNotContain(serviceId);

    assertThat(market.stop(alice, job.jobId())).isEqualTo(200);
    assertThat(awaitEnd(job.jobId()).state()).isEqualTo(JobState.STOPPED);
    await().until(() -> Curl.run(urlOf(serviceId) + "/").status() == 404);
  }
}
