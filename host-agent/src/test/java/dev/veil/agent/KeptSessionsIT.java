package dev.veil.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.agent.identity.NodeIdentity;
import dev.veil.agent.sessions.ValidatedSessions;
import dev.veil.model.auth.Ed25519;
import dev.veil.model.market.JobRecord;
import dev.veil.model.result.JobStatus;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The agent keeps sessions it validated while session-service's revocation feed vouches for them:
 * an owner's repeated requests cost one validation, a revocation ends that as soon as the node
 * hears of it, and a feed gone silent leaves nothing kept in use. Real session-service, market
 * and Redis; the agent in-process on a real port.
 */
@RequiresContainerEngine
@Testcontainers
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
class KeptSessionsIT {

  @Container
  static final GenericContainer<?> redis = RedisContainers.redis();

  static Suite suite;
  static final int AGENT_PORT = RedisContainers.freePort();

  @DynamicPropertySource
  static void network(DynamicPropertyRegistry registry) throws Exception {
    suite = new Suite(redis, Map.of("VEIL_SESSION_REVOCATIONFEED_HEARTBEAT", "PT0.2S"), Map.of());
    suite.agentProperties(registry, AGENT_PORT, "veil.agent.session-cache.feed-silence", "PT3S",
        "veil.agent.session-cache.reconnect-delay", "PT0.2S");
  }

  @AfterAll
  static void stopNetwork() {
    suite.close();
  }

  @Autowired
  NodeIdentity node;

  @Autowired
  ValidatedSessions kept;

  @Autowired
  MeterRegistry registry;

  final KeyPair alice = Ed25519.generate();
  JobRecord job;
  String session;

  @BeforeEach
  void aJobWaitingForItsDefinition() throws Exception {
    job = suite.post(alice, Suite.job(Suite.specText("private-send-template.json")), null);
    Awaitility.await().atMost(Duration.ofSeconds(60))
        .until(() -> suite.record(job.jobId()).hostStatus() == JobStatus.WAITING_FOR_JOB_DEFINITION);
    session = suite.login.login(alice, job.jobId(), node.nodeId()).sessionId();
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(kept::trusted);
  }

  @Test
  void anOwnersRepeatedRequestsCostOneValidation() throws Exception {
    double before = validations();
    for (int i = 0; i < 20; i++) {
      assertThat(urls(session).statusCode()).isEqualTo(200);
    }
    assertThat(validations() - before).isEqualTo(1);
    // Kept for this job only: the same session for another job is refused, as session-service would.
    String other = suite.post(alice, Suite.job(Suite.specText("private-send-template.json")), null).jobId();
    assertThat(suite.agentGet(AGENT_PORT, "/service/url/" + other, session).statusCode()).isEqualTo(401);
  }

  @Test
  void aRevokedSessionIsRefusedAsSoonAsTheNodeHearsOfIt() throws Exception {
    assertThat(urls(session).statusCode()).isEqualTo(200);
    double before = validations();
    assertThat(urls(session).statusCode()).as("now answered from what the node keeps").isEqualTo(200);
    assertThat(validations()).isEqualTo(before);

    HttpResponse<Void> revoked = suite.http.send(HttpRequest.newBuilder(URI.create(suite.sessions.baseUrl() + "/v1/sessions/current"))
        .header("x-session-id", session).DELETE().build(), HttpResponse.BodyHandlers.discarding());
    assertThat(revoked.statusCode()).isEqualTo(204);

    // The notice travels Redis → session-service → this node's feed: milliseconds, not a cache's lifetime.
    Awaitility.await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10))
        .until(() -> urls(session).statusCode() == 401);
    assertThat(urls(session).statusCode()).isEqualTo(401);
  }

  @Test
  void whenTheFeedFallsSilentNothingKeptIsUsed() throws Exception {
    assertThat(urls(session).statusCode()).isEqualTo(200);
    suite.sessions.pause();
    try {
      // Silent past feed-silence (3 s here): the kept session is not used; session-service cannot be asked.
      Awaitility.await().atMost(Duration.ofSeconds(8)).until(() -> !kept.trusted());
      HttpResponse<String> answer = urls(session);
      assertThat(answer.statusCode()).isEqualTo(503);
      assertThat(answer.body()).contains("upstream-unavailable");
    } finally {
      suite.sessions.resume();
    }
    Awaitility.await().atMost(Duration.ofSeconds(15)).until(kept::trusted);
    assertThat(urls(session).statusCode()).isEqualTo(200);
  }

  private HttpResponse<String> urls(String sessionId) throws Exception {
    return suite.agentGet(AGENT_PORT, "/service/url/" + job.jobId(), sessionId);
  }

  /** Sessions this agent checked with session-service (not from what it keeps), from its own metrics. */
  private double validations() {
    return registry.get("veil.agent.sessions.check").tag("source", "session-service").timer().count();
  }
}
