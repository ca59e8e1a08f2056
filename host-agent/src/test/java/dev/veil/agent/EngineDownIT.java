package dev.veil.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.auth.Ed25519;
import dev.veil.model.market.JobRecord;
import dev.veil.model.market.JobState;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
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
 * An agent whose container engine does not answer claims nothing: the jobs stay queued for a
 * host that can run them, and its health says the engine is down. (The rest of the network, and
 * the Redis behind it, run on the real engine; only this agent's engine socket leads nowhere.)
 */
@RequiresContainerEngine
@Testcontainers
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
class EngineDownIT {

  @Container
  static final GenericContainer<?> redis = RedisContainers.redis();

  static Suite suite;
  static final int AGENT_PORT = RedisContainers.freePort();

  @DynamicPropertySource
  static void network(DynamicPropertyRegistry registry) throws Exception {
    suite = new Suite(redis);
    String nowhere = "unix://" + Files.createTempDirectory("veil-no-engine-").resolve("absent.sock");
    suite.agentProperties(registry, AGENT_PORT, "veil.agent.docker-host", nowhere);
  }

  @AfterAll
  static void stopNetwork() {
    suite.close();
  }

  @Autowired
  MeterRegistry meters;

  @Test
  void anAgentWhoseEngineDoesNotAnswerClaimsNothingAndSaysWhy() throws Exception {
    JobRecord job = suite.post(Ed25519.generate(), Suite.spec("public-job.json"), null);

    // Each pause is a claim the loop decided not to make; after several, the job is still queued.
    double before = meters.counter("veil.agent.claims.paused").count();
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> meters.counter("veil.agent.claims.paused").count() >= before + 3);
    assertThat(suite.record(job.jobId()).state()).isEqualTo(JobState.QUEUED);

    HttpResponse<String> health = suite.http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + AGENT_PORT + "/actuator/health")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(503);
    assertThat(health.body()).contains("\"engine\":{\"status\":\"DOWN\"");
  }
}
