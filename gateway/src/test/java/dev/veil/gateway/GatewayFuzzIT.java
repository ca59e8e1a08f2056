package dev.veil.gateway;

import dev.veil.gateway.tunnel.TunnelServer;
import dev.veil.model.auth.Ed25519;
import dev.veil.model.id.RandomIds;
import dev.veil.model.json.VeilJson;
import dev.veil.model.market.PostJobRequest;
import dev.veil.model.session.ChallengeRequest;
import dev.veil.testsupport.ClientLogin;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import dev.veil.testsupport.ServiceProcess;
import dev.veil.testsupport.fuzz.Endpoint;
import dev.veil.testsupport.fuzz.Endpoint.Credential;
import dev.veil.testsupport.fuzz.ForAll;
import dev.veil.testsupport.fuzz.FuzzRequest;
import dev.veil.testsupport.fuzz.FuzzResponse;
import dev.veil.testsupport.fuzz.FuzzSettings;
import dev.veil.testsupport.fuzz.Health;
import dev.veil.testsupport.fuzz.HttpParts;
import dev.veil.testsupport.fuzz.LiveSessions;
import dev.veil.testsupport.fuzz.RawHttpClient;
import dev.veil.testsupport.fuzz.ServiceAnswers;
import dev.veil.testsupport.fuzz.ServiceRequests;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * Generated requests of every shape through the real gateway on a real port, to the real
 * session-service and job-market behind it and into a node's tunnel (a stand-in agent), with Host
 * names good, unknown and garbage: none may get a 5xx or a trace of the code, every refusal with a
 * body is a problem, and the gateway is healthy afterwards. {@code -Dveil.fuzz.tries=N} runs more,
 * {@code -Dveil.fuzz.seed=S} replays a run.
 */
@RequiresContainerEngine
@Testcontainers
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "management.server.port=0",
    "veil.gateway.tunnel.port=0",
    // Every request comes from one address here: the limit would turn the run into 429s.
    "veil.gateway.rate-limit.replenish-rate=1000000",
    "veil.gateway.rate-limit.burst-capacity=1000000"})
class GatewayFuzzIT {

  static final String DOMAIN = "node.localhost";
  static final String TOKEN = "market-token-" + RandomIds.next();
  /**
   * The issue's 10,000, in CI too: every request here crosses two processes (about 8 ms), so they
   * take about 85 s on a 2-core machine; see the README for running more.
   */
  static final int TRIES = 10_000;

  @Container
  @ServiceConnection(name = "redis")
  static final GenericContainer<?> redis = RedisContainers.redis();

  static ServiceProcess sessions;
  static ServiceProcess market;
  static Upstreams upstreams;

  @DynamicPropertySource
  static void services(DynamicPropertyRegistry registry) throws Exception {
    String redisUrl = RedisContainers.uri(redis);
    sessions = ServiceProcess.start("session-service", Map.of("VEIL_REDIS_URL", redisUrl,
        "VEIL_SESSION_SERVICETOKENS_JOBMARKET", TOKEN, "VEIL_SESSION_FAILEDLOOKUPS_LIMIT", "100000000"));
    market = ServiceProcess.start("job-market", Map.of("VEIL_REDIS_URL", redisUrl,
        "VEIL_SESSION_URL", sessions.baseUrl(), "VEIL_MARKET_SESSION_TOKEN", TOKEN));
    upstreams = new Upstreams();
    registry.add("veil.gateway.session-service-url", sessions::baseUrl);
    registry.add("veil.gateway.market-url", market::baseUrl);
    Path hostKey = Files.createTempDirectory("veil-gateway-").resolve("host.key");
    registry.add("veil.gateway.tunnel.host-key-file", hostKey::toString);
  }

  @AfterAll
  static void stopServices() throws Exception {
    upstreams.close();
    market.close();
    sessions.close();
  }

  @LocalServerPort
  int port;

  @LocalManagementPort
  int managementPort;

  @Autowired
  TunnelServer tunnels;

  @Test
  void everyRequestIsAnsweredWithoutA5xxOrATraceAndTheGatewayStaysHealthy() throws Exception {
    try (TestNodes nodes = new TestNodes(tunnels.port(), tunnels.fingerprint(), upstreams.runningJobs)) {
      String nodeId = nodes.connect(upstreams.agent.port()).id;
      ClientLogin login = new ClientLogin(sessions.baseUrl());
      LiveSessions live = new LiveSessions(() -> login.sessionId(Ed25519.generate()));
      ServiceRequests requests = ServiceRequests.to(routes())
          .sessions(live)
          .nodeKey(Ed25519.generate(), "job-market")
          .queryNames("waitSeconds")
          .extraHeaders(pick -> List.of(Map.entry("Host", host(pick, nodeId))));

      try (RawHttpClient http = RawHttpClient.to("http://localhost:" + port)) {
        ForAll.inputs(requests).simplifiedBy(FuzzRequest::simpler).check("gateway",
            FuzzSettings.fromSystemProperties(TRIES), request -> {
              FuzzResponse response = http.send(request);
              if (request.method().equals("DELETE") && response.status() / 100 == 2) {
                live.renew();
              }
              return ServiceAnswers.check(request, response);
            });
      }
    }
    Health.assertUp("http://localhost:" + managementPort);
  }

  /** The bare domain (the public APIs), the connected node, a name nobody holds, or garbage. */
  private String host(dev.veil.testsupport.fuzz.Pick pick, String nodeId) {
    return switch (pick.between(0, 9)) {
      case 0, 1, 2, 3 -> pick.element("localhost:" + port, "localhost", "127.0.0.1:" + port);
      case 4, 5, 6 -> nodeId + "." + DOMAIN + pick.element(":" + port, "", ".");
      case 7 -> HttpParts.segment(pick, List.of(nodeId)) + "." + DOMAIN;
      case 8 -> pick.element("evil.example", "x.y." + DOMAIN, "." + DOMAIN, DOMAIN, "user@" + nodeId + "." + DOMAIN,
          "localhost:99999", "[::1]:" + port, "localhost:" + port + ", evil.example", nodeId.toLowerCase() + "." + DOMAIN);
      default -> HttpParts.garbageValue(pick);
    };
  }

  /** What reaches the services behind the bare domain, and a node's API. */
  private static List<Endpoint> routes() throws Exception {
    String job = json(new PostJobRequest(VeilJson.readJobFile(Files.readString(Path.of("..", "spec", "public-job.json"))), null));
    String definition = Files.readString(Path.of("..", "spec", "job-definition-request.json"));
    return List.of(
        Endpoint.open("POST", "/v1/challenges").body(() -> List.of(json(new ChallengeRequest(Ed25519.id(Ed25519.generate().getPublic()))))),
        Endpoint.open("GET", "/v1/sessions").with(Credential.SESSION),
        Endpoint.open("DELETE", "/v1/sessions/current").with(Credential.SESSION),
        Endpoint.open("POST", "/v1/jobs").with(Credential.SESSION).body(job),
        Endpoint.open("GET", "/v1/jobs/{jobId}"),
        Endpoint.open("POST", "/v1/jobs/{jobId}/stop").with(Credential.SESSION),
        Endpoint.open("GET", "/v1/results/{resultId}"),
        Endpoint.open("PUT", "/v1/nodes/self").with(Credential.NODE_SIGNATURE).body("{\"version\":\"0.1.0\"}"),
        Endpoint.open("POST", "/v1/claims").with(Credential.NODE_SIGNATURE),
        Endpoint.open("POST", "/job-definition/{jobId}").with(Credential.SESSION).body(definition),
        Endpoint.open("GET", "/job-result/{jobId}").with(Credential.SESSION),
        Endpoint.open("GET", "/service/url/{jobId}").with(Credential.SESSION),
        Endpoint.open("GET", "/node/info"),
        Endpoint.open("GET", "/actuator/health"));
  }

  private static String json(Object value) {
    return new String(VeilJson.write(value), StandardCharsets.UTF_8);
  }
}
