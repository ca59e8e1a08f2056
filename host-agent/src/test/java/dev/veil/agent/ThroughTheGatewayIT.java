package dev.veil.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.auth.Ed25519;
import dev.veil.model.market.JobRecord;
import dev.veil.model.result.FlowState;
import dev.veil.model.result.JobStatus;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * A host as the Kubernetes deployment has it (README, "A host"): it reaches the market and
 * session-service only through the gateway's public name, as it reaches nothing else. It claims,
 * runs and publishes a result larger than a megabyte through the gateway, and reports itself
 * healthy, the market reached that way.
 */
@RequiresContainerEngine
@Testcontainers
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
class ThroughTheGatewayIT {

  @Container
  static final GenericContainer<?> redis = RedisContainers.redis();

  static Suite suite;
  static final int AGENT_PORT = RedisContainers.freePort();

  @DynamicPropertySource
  static void network(DynamicPropertyRegistry registry) throws Exception {
    suite = new Suite(redis);
    String gateway = suite.gateway.baseUrl();
    suite.agentProperties(registry, AGENT_PORT, "veil.agent.market-url", gateway, "veil.agent.session-url", gateway);
  }

  @AfterAll
  static void stopNetwork() {
    suite.close();
  }

  @Test
  void aHostBehindTheGatewayPublishesAResultOfMoreThanAMegabyteAndIsHealthy() throws Exception {
    // 150 lines of 10,000 characters: a published result of about 1.5 MB.
    String template = Suite.specText("public-job.json").replace("\"echo hello world\"",
        "\"i=0; while [ $i -lt 150 ]; do head -c 10000 /dev/zero | tr '\\\\0' x; echo; i=$((i+1)); done\"");
    JobRecord job = suite.post(Ed25519.generate(), Suite.job(template), 600L);

    FlowState result = suite.awaitResult(job.jobId(), Duration.ofSeconds(120));

    assertThat(result.status()).isEqualTo(JobStatus.SUCCESS);
    assertThat(result.opStates().get(0).logs()).hasSize(150)
        .allSatisfy(line -> assertThat(line.log()).hasSize(10_000).matches("x+"));
    assertThat(suite.publishedBytes(job.jobId()).length()).isGreaterThan(1_500_000);
    Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      HttpResponse<String> health = suite.http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + AGENT_PORT + "/actuator/health")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
      assertThat(health.body()).contains("\"market\":{\"status\":\"UP\"");
    });
  }
}
