package dev.veil.agent;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.veil.agent.engine.EngineLabels;
import dev.veil.model.auth.KeyFile;
import dev.veil.model.json.VeilJson;
import dev.veil.model.job.JobDefinition;
import dev.veil.model.market.JobRecord;
import dev.veil.model.result.FlowState;
import dev.veil.testsupport.ClientLogin;
import dev.veil.testsupport.MarketApi;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.ServiceProcess;
import dev.veil.tunnel.SshKeys;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.testcontainers.containers.GenericContainer;

/** The rest of the network, for the agent's tests: real session-service, job-market and gateway processes on a real Redis. */
final class Suite implements AutoCloseable {

  static final String TOKEN = "market-token-0123456789abcdef";
  static final String GATEWAY_TOKEN = "gateway-token-0123456789abcdef";

  final ServiceProcess sessions;
  final ServiceProcess market;
  /** The gateway agents dial their tunnels to; its SSH port and pinned host key. */
  volatile ServiceProcess gateway;
  final int tunnelPort;
  final String gatewayFingerprint;
  private final Map<String, String> gatewayEnvironment;
  final ClientLogin login;
  final MarketApi api;
  final HttpClient http = HttpClient.newHttpClient();

  Suite(GenericContainer<?> redis) {
    this(redis, Map.of(), Map.of());
  }

  /**
   * The network, with {@code sessionSettings} and {@code marketSettings} (environment variables)
   * added to session-service's and the market's.
   */
  Suite(GenericContainer<?> redis, Map<String, String> sessionSettings, Map<String, String> marketSettings) {
    String redisUrl = RedisContainers.uri(redis);
    // Agents keep long-polling until the very end of a test class; a short shutdown phase keeps the
    // services' graceful shutdown from waiting out its default 30 s for them.
    Map<String, String> sessionEnvironment = new java.util.HashMap<>(sessionSettings);
    sessionEnvironment.putAll(Map.of("VEIL_REDIS_URL", redisUrl,
        "VEIL_SESSION_SERVICETOKENS_JOBMARKET", TOKEN, "VEIL_SESSION_SERVICETOKENS_GATEWAY", GATEWAY_TOKEN,
        "SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE", "PT2S"));
    sessions = ServiceProcess.start("session-service", sessionEnvironment);
    Map<String, String> marketEnvironment = new java.util.HashMap<>(Map.of("VEIL_REDIS_URL", redisUrl,
        "VEIL_SESSION_URL", sessions.baseUrl(), "VEIL_MARKET_SESSION_TOKEN", TOKEN,
        "SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE", "PT2S"));
    marketEnvironment.putAll(marketSettings);
    market = ServiceProcess.start("job-market", marketEnvironment);
    tunnelPort = RedisContainers.freePort();
    try {
      Path hostKey = Files.createTempDirectory("veil-gateway-").resolve("host.key");
      gatewayFingerprint = SshKeys.fingerprint(SshKeys.forSsh(KeyFile.loadOrCreate(hostKey)).getPublic());
      gatewayEnvironment = Map.of("VEIL_REDIS_URL", redisUrl,
          "VEIL_SESSION_URL", sessions.baseUrl(), "VEIL_MARKET_URL", market.baseUrl(),
          "VEIL_TUNNEL_PORT", Integer.toString(tunnelPort), "VEIL_TUNNEL_HOST_KEY_FILE", hostKey.toString(),
          "VEIL_GATEWAY_RATELIMIT_ENABLED", "false", "VEIL_GATEWAY_SESSION_TOKEN", GATEWAY_TOKEN,
          "SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE", "PT2S");
      gateway = ServiceProcess.startWithManagementPort("gateway", gatewayEnvironment);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    login = new ClientLogin(sessions.baseUrl());
    api = new MarketApi(market.baseUrl(), login);
  }

  /**
   * Points an in-process agent at this network on {@code port}, with fast test intervals, its own
   * key and data folder, and {@code extra} settings on top (name, value, name, value, ...).
   */
  void agentProperties(org.springframework.test.context.DynamicPropertyRegistry registry, int port, String... extra)
      throws java.io.IOException {
    Path home = Files.createTempDirectory("veil-agent-");
    registry.add("server.port", () -> port);
    registry.add("veil.agent.market-url", market::baseUrl);
    registry.add("veil.agent.session-url", sessions::baseUrl);
    registry.add("veil.agent.tunnel.port", () -> tunnelPort);
    registry.add("veil.agent.tunnel.host-key-fingerprint", () -> gatewayFingerprint);
    registry.add("veil.agent.node-key-file", () -> home.resolve("node.key").toString());
    registry.add("veil.agent.data-dir", () -> home.resolve("data").toString());
    registry.add("veil.agent.heartbeat-interval", () -> "PT1S");
    registry.add("veil.agent.claim-wait", () -> "PT2S");
    registry.add("veil.agent.max-concurrent-jobs", () -> "2");
    registry.add("veil.agent.health-interval", () -> "PT0.5S");
    for (int i = 0; i + 1 < extra.length; i += 2) {
      String value = extra[i + 1];
      registry.add(extra[i], () -> value);
    }
  }

  /** The environment of an agent run as a process against this network, on {@code port}, keeping its state in {@code home}. */
  Map<String, String> agentEnvironment(Path home, int port) {
    Map<String, String> env = new java.util.HashMap<>();
    env.put("VEIL_MARKET_URL", market.baseUrl());
    env.put("VEIL_SESSION_URL", sessions.baseUrl());
    env.put("VEIL_NODE_KEY_FILE", home.resolve("node.key").toString());
    env.put("VEIL_AGENT_DATA_DIR", home.resolve("data").toString());
    env.put("VEIL_AGENT_HEARTBEAT_INTERVAL", "PT1S");
    env.put("VEIL_AGENT_CLAIM_WAIT", "PT2S");
    env.put("PORT", Integer.toString(port));
    env.put("VEIL_TUNNEL_PORT", Integer.toString(tunnelPort));
    env.put("VEIL_TUNNEL_FINGERPRINT", gatewayFingerprint);
    return env;
  }

  /** Stops the gateway (SIGTERM): every agent's tunnel breaks. */
  void stopGateway() {
    gateway.close();
  }

  /** Starts a gateway again on the same tunnel port with the same host key. */
  void startGateway() {
    gateway = ServiceProcess.startWithManagementPort("gateway", gatewayEnvironment);
  }

  /** What the gateway answers a visitor of {@code http://<id>.node.localhost/<path>}. */
  record Reply(int status, String body) {}

  Reply viaGateway(String id, String path) {
    return viaGateway(id, path, null);
  }

  /** As {@link #viaGateway(String, String)}, with {@code x-session-id} when {@code sessionId} is not null. */
  Reply viaGateway(String id, String path, String sessionId) {
    return reactor.netty.http.client.HttpClient.create()
        .headers(headers -> {
          headers.set("Host", id + ".node.localhost");
          if (sessionId != null) {
            headers.set("x-session-id", sessionId);
          }
        })
        .get().uri(gateway.baseUrl() + path)
        .responseSingle((response, body) -> body.asString().defaultIfEmpty("")
            .map(text -> new Reply(response.status().code(), text)))
        .block(Duration.ofSeconds(30));
  }

  /** A request to a node's API through the gateway ({@code Host: <nodeId>.node.localhost}): status, Content-Type, body. */
  record Exchange(int status, String contentType, byte[] body) {}

  Exchange nodeViaGateway(String nodeId, String method, String path, String sessionId, String contentType, byte[] body) {
    return reactor.netty.http.client.HttpClient.create()
        .headers(headers -> {
          headers.set("Host", nodeId + ".node.localhost").set("x-session-id", sessionId);
          if (contentType != null) {
            headers.set("Content-Type", contentType);
          }
        })
        .request(io.netty.handler.codec.http.HttpMethod.valueOf(method)).uri(gateway.baseUrl() + path)
        .send(body == null ? reactor.core.publisher.Mono.empty()
            : reactor.core.publisher.Mono.just(io.netty.buffer.Unpooled.wrappedBuffer(body)))
        .responseSingle((response, content) -> content.asByteArray().defaultIfEmpty(new byte[0])
            .map(bytes -> new Exchange(response.status().code(), response.responseHeaders().get("Content-Type"), bytes)))
        .block(Duration.ofSeconds(60));
  }

  static JobDefinition spec(String name) throws Exception {
    return VeilJson.readJobFile(specText(name));
  }

  /** A seed file of spec/, as written. */
  static String specText(String name) throws java.io.IOException {
    return Files.readString(Path.of("..", "spec", name));
  }

  static JobDefinition job(String json) {
    return VeilJson.readJobFile(json);
  }

  JobRecord post(KeyPair owner, JobDefinition definition, Long timeoutSeconds) throws Exception {
    return api.post(owner, definition, timeoutSeconds);
  }

  JobRecord record(String jobId) throws Exception {
    return api.record(jobId);
  }

  /** Waits until the market says the job is over, and answers its published result. */
  FlowState awaitResult(String jobId, Duration atMost) throws Exception {
    Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(250)).until(() -> record(jobId).state().isFinal());
    return VeilJson.readStrict(publishedBytes(jobId).getBytes(), FlowState.class);
  }

  String publishedBytes(String jobId) throws Exception {
    return api.resultText(jobId);
  }

  int stop(KeyPair owner, String jobId) throws Exception {
    return api.stop(owner, jobId);
  }

  /** The seed's curl: POST /job-definition/{jobId} to an agent with x-session-id, Content-Type and the body as written. */
  HttpResponse<String> sendDefinition(int agentPort, String jobId, String sessionId, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agentPort + "/job-definition/" + jobId))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    if (sessionId != null) {
      request.header("x-session-id", sessionId);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The seed's curl: GET a path of an agent with x-session-id and Accept: application/json. */
  HttpResponse<String> agentGet(int agentPort, String path, String sessionId) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agentPort + path))
        .header("Accept", "application/json");
    if (sessionId != null) {
      request.header("x-session-id", sessionId);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static DockerClient docker() {
    DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder().build();
    return DockerClientImpl.getInstance(config, new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost()).build());
  }

  static long containersOf(DockerClient docker, String jobId) {
    return docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(EngineLabels.JOB, jobId)).exec().size();
  }

  static long networksOf(DockerClient docker, String jobId) {
    return docker.listNetworksCmd().withFilter("label", List.of(EngineLabels.JOB + "=" + jobId)).exec().size();
  }

  @Override
  public void close() {
    gateway.close();
    market.close();
    sessions.close();
  }
}
