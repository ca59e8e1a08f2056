package dev.veil.agent;

import dev.veil.agent.identity.NodeIdentity;
import dev.veil.model.auth.Ed25519;
import dev.veil.model.market.JobRecord;
import dev.veil.model.result.JobStatus;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import dev.veil.testsupport.fuzz.Endpoint;
import dev.veil.testsupport.fuzz.Endpoint.Credential;
import dev.veil.testsupport.fuzz.ForAll;
import dev.veil.testsupport.fuzz.FuzzRequest;
import dev.veil.testsupport.fuzz.FuzzResponse;
import dev.veil.testsupport.fuzz.FuzzSettings;
import dev.veil.testsupport.fuzz.Health;
import dev.veil.testsupport.fuzz.LiveSessions;
import dev.veil.testsupport.fuzz.RawHttpClient;
import dev.veil.testsupport.fuzz.ServiceAnswers;
import dev.veil.testsupport.fuzz.ServiceRequests;
import java.security.KeyPair;
import java.time.Duration;
import java.util.HexFormat;
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
 * Generated requests of every shape against the real agent on a real port, in a real network
 * (session-service, job-market, gateway): none may get a 5xx or a trace of the code, every refusal
 * with a body is a problem, and the agent is healthy afterwards. The agent holds a private job
 * waiting for its definition, and most requests present a session scoped to that job and node, so
 * definitions are read and validated; its template commits to the hash of a definition never sent,
 * so no fuzzed definition is ever run. {@code -Dveil.fuzz.tries=N} runs more, {@code -Dveil.fuzz.seed=S} replays a run.
 */
@RequiresContainerEngine
@Testcontainers
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
class HostAgentFuzzIT {

  /**
   * The 10,000, in CI too: a request with a session costs the agent a signed look-up at
   * session-service (about 7.5 ms a request on average), so they take about 76 s on a 2-core
   * machine; see the README for running more.
   */
  static final int TRIES = 10_000;

  @Container
  static final GenericContainer<?> redis = RedisContainers.redis();

  static Suite suite;
  static final int AGENT_PORT = RedisContainers.freePort();

  @DynamicPropertySource
  static void network(DynamicPropertyRegistry registry) throws Exception {
    // Garbage sessions are most of what the agent asks about: 429 would hide what lies behind it.
    suite = new Suite(redis, Map.of("VEIL_SESSION_FAILEDLOOKUPS_LIMIT", "100000000"), Map.of());
    suite.agentProperties(registry, AGENT_PORT);
  }

  @AfterAll
  static void stopNetwork() {
    suite.close();
  }

  @Autowired
  NodeIdentity node;

  @Test
  void everyRequestIsAnsweredWithoutA5xxOrATraceAndTheAgentStaysHealthy() throws Exception {
    KeyPair owner = Ed25519.generate();
    String neverSent = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(new byte[] {1}));
    JobRecord job = suite.post(owner, Suite.job(Suite.specText("private-send-template.json")
        .replace("\"args\": {}", "\"args\": {\"hash\": \"" + neverSent + "\"}")), null);
    Awaitility.await().atMost(Duration.ofSeconds(60))
        .until(() -> suite.record(job.jobId()).hostStatus() == JobStatus.WAITING_FOR_JOB_DEFINITION);

    LiveSessions sessions = new LiveSessions(() -> suite.login.login(owner, job.jobId(), node.nodeId()).sessionId());
    String definition = Suite.specText("job-definition-request.json");
    ServiceRequests requests = ServiceRequests.to(List.of(
            Endpoint.open("POST", "/job-definition/{jobId}").with(Credential.SESSION).body(definition),
            Endpoint.open("GET", "/job-result/{jobId}").with(Credential.SESSION),
            Endpoint.open("HEAD", "/job-result/{jobId}").with(Credential.SESSION),
            Endpoint.open("POST", "/job-result/{jobId}/receipt"),
            Endpoint.open("GET", "/service/url/{jobId}").with(Credential.SESSION),
            Endpoint.open("POST", "/job/{jobId}/job-definition").with(Credential.SESSION).body(definition),
            Endpoint.open("GET", "/job/{jobId}/results").with(Credential.SESSION),
            Endpoint.open("GET", "/job/{jobId}/endpoints").with(Credential.SESSION),
            // /node/info and /actuator/health ask the container engine (slow, and nothing in the request
            // changes that): random paths reach them now and then, and health is checked after the run.
            Endpoint.open("GET", "/actuator/prometheus")))
        .sessions(sessions)
        .knownIds(() -> List.of(job.jobId()));

    try (RawHttpClient http = RawHttpClient.to("http://localhost:" + AGENT_PORT)) {
      ForAll.inputs(requests).simplifiedBy(FuzzRequest::simpler).check("host-agent",
          FuzzSettings.fromSystemProperties(TRIES), request -> ServiceAnswers.check(request, http.send(request)));
    }
    Health.assertUp("http://localhost:" + AGENT_PORT);
    // Still waiting: nothing fuzzed was taken for its definition.
    org.assertj.core.api.Assertions.assertThat(suite.record(job.jobId()).hostStatus()).isEqualTo(JobStatus.WAITING_FOR_JOB_DEFINITION);
  }
}
