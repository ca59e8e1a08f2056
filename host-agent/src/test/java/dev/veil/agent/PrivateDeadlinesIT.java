package dev.veil.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.agent.identity.NodeIdentity;
import dev.veil.model.auth.Ed25519;
import dev.veil.model.market.JobRecord;
import dev.veil.model.market.JobState;
import dev.veil.model.result.FlowState;
import dev.veil.model.result.JobStatus;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/** Neither a missing definition nor an uncollected result keeps a job, or a secret, forever. */
@RequiresContainerEngine
@Testcontainers
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
class PrivateDeadlinesIT {

  @Container
  static final GenericContainer<?> redis = RedisContainers.redis();

  static Suite suite;
  static final int AGENT_PORT = RedisContainers.freePort();

  @DynamicPropertySource
  static void network(DynamicPropertyRegistry registry) throws Exception {
    suite = new Suite(redis);
    suite.agentProperties(registry, AGENT_PORT, "veil.agent.definition-deadline", "PT3S", "veil.agent.result-deadline", "PT3S");
  }

  @AfterAll
  static void stopNetwork() {
    suite.close();
  }

  @Autowired
  NodeIdentity node;

  final KeyPair alice = Ed25519.generate();

  @Test
  void aDefinitionThatNeverComesEndsTheJobWithALogisticsErrorAndNothingRuns() throws Exception {
    JobRecord job = suite.post(alice, Suite.job(Files.readString(Path.of("..", "spec", "private-send-template.json"))), null);

    FlowState result = suite.awaitResult(job.jobId(), Duration.ofSeconds(30));

    assertThat(result.status()).isEqualTo(JobStatus.LOGISTICS_ERROR);
    assertThat(result.errors()).containsExactly("the job definition was not received within 3 s; nothing ran");
    assertThat(result.opStates()).isEmpty();
    assertThat(suite.record(job.jobId()).state()).isEqualTo(JobState.COMPLETED);
  }

  @Test
  void anUncollectedResultIsDeletedNeverPublishedAndThePublicResultSaysSo() throws Exception {
    String template = Files.readString(Path.of("..", "spec", "private-receive-template.json")).replace("\"ops\": []",
        "\"ops\": [{\"type\": \"container/run\", \"id\": \"hello-world\", \"args\": {\"cmd\": \"echo hello world\", \"image\": \"ubuntu\"}}]");
    JobRecord job = suite.post(alice, Suite.job(template), null);

    FlowState result = suite.awaitResult(job.jobId(), Duration.ofSeconds(60));

    assertThat(result.status()).isEqualTo(JobStatus.SUCCESS);
    assertThat(result.opStates()).isEmpty();
    assertThat(result.errors()).containsExactly("the private result was not collected within 3 s and was deleted");
    assertThat(suite.publishedBytes(job.jobId())).doesNotContain("hello world");
    HttpResponse<String> late = suite.http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + AGENT_PORT + "/job-result/" + job.jobId()))
        .header("x-session-id", suite.login.login(alice, job.jobId(), node.nodeId()).sessionId())
        .header("Accept", "application/json").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(late.statusCode()).isEqualTo(410);
  }
}
