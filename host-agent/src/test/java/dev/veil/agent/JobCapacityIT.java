package dev.veil.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.agent.identity.NodeIdentity;
import dev.veil.model.auth.Ed25519;
import dev.veil.model.json.VeilJson;
import dev.veil.model.market.JobRecord;
import dev.veil.model.market.JobState;
import dev.veil.model.result.FlowState;
import dev.veil.model.result.JobStatus;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
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
import tools.jackson.databind.JsonNode;

/**
 * A host with one run slot and room for two jobs waiting on their owners: jobs waiting for a
 * private definition or holding a result do not keep it from running others; only when two wait
 * does it stop claiming; a definition that arrives while the slot is taken waits for it.
 */
@RequiresContainerEngine
@Testcontainers
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
class JobCapacityIT {

  @Container
  static final GenericContainer<?> redis = RedisContainers.redis();

  static Suite suite;
  static final int AGENT_PORT = RedisContainers.freePort();

  @DynamicPropertySource
  static void network(DynamicPropertyRegistry registry) throws Exception {
    suite = new Suite(redis);
    suite.agentProperties(registry, AGENT_PORT, "veil.agent.max-concurrent-jobs", "1", "veil.agent.max-waiting-jobs", "2");
  }

  @AfterAll
  static void stopNetwork() {
    suite.close();
  }

  @Autowired
  NodeIdentity node;

  final KeyPair alice = Ed25519.generate();

  @Test
  void jobsWaitingOnTheirOwnersTakeNoRunSlotAndClaimsPauseOnlyWhileTooManyWait() throws Exception {
    // A waits for a definition that does not come yet.
    JobRecord waitsForDefinition = suite.post(alice, Suite.job(spec("private-send-template.json")), null);
    awaitCapacity("waitingOnOwner", 1);

    // The one run slot is free: a public job runs meanwhile.
    JobRecord publicJob = suite.post(alice, Suite.spec("public-job.json"), null);
    assertThat(suite.awaitResult(publicJob.jobId(), Duration.ofSeconds(60)).status()).isEqualTo(JobStatus.SUCCESS);

    // B runs, then holds its result for its owner: the second wait.
    JobRecord holdsResult = suite.post(alice, Suite.job(spec("private-receive-template.json").replace("\"ops\": []",
        "\"ops\": [{\"type\": \"container/run\", \"id\": \"hello\", \"args\": {\"cmd\": \"echo held\", \"image\": \"ubuntu\"}}]")), null);
    awaitCapacity("waitingOnOwner", 2);

    // Two wait on their owners, the most this host takes: the next job stays on the market.
    JobRecord queued = suite.post(alice, Suite.spec("public-job.json"), null);
    Awaitility.await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6))
        .until(() -> suite.record(queued.jobId()).state() == JobState.QUEUED);
    assertThat(capacity().path("running").asInt()).isZero();

    // B's owner collects: one wait ends, and the queued job is claimed and runs.
    HttpResponse<String> collected = suite.agentGet(AGENT_PORT, "/job-result/" + holdsResult.jobId(), session(holdsResult));
    assertThat(collected.statusCode()).isEqualTo(200);
    assertThat(collected.body()).contains("held");
    assertThat(suite.awaitResult(queued.jobId(), Duration.ofSeconds(60)).status()).isEqualTo(JobStatus.SUCCESS);
    assertThat(suite.record(waitsForDefinition.jobId()).state()).isEqualTo(JobState.RUNNING);

    // The slot is taken by a sleeping job when A's definition arrives: A waits for the slot, then runs.
    JobRecord sleeper = suite.post(alice, Suite.job(spec("public-job.json").replace("echo hello world", "sleep 3")), null);
    awaitCapacity("running", 1);
    HttpResponse<String> sent = suite.sendDefinition(AGENT_PORT, waitsForDefinition.jobId(), session(waitsForDefinition),
        spec("job-definition-request.json"));
    assertThat(sent.statusCode()).isEqualTo(200);
    awaitCapacity("queued", 1);
    FlowState slept = suite.awaitResult(sleeper.jobId(), Duration.ofSeconds(60));
    FlowState ran = suite.awaitResult(waitsForDefinition.jobId(), Duration.ofSeconds(60));
    assertThat(ran.status()).isEqualTo(JobStatus.SUCCESS);
    assertThat(ran.opStates().get(0).startTime()).as("A's op started once the sleeper's had ended")
        .isGreaterThanOrEqualTo(slept.opStates().get(0).endTime());
    awaitCapacity("waitingOnOwner", 0);
    awaitCapacity("running", 0);
  }

  String session(JobRecord job) {
    return suite.login.login(alice, job.jobId(), node.nodeId()).sessionId();
  }

  JsonNode capacity() throws Exception {
    return VeilJson.strict().readTree(suite.agentGet(AGENT_PORT, "/node/info", null).body()).path("capacity");
  }

  void awaitCapacity(String field, int value) {
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> capacity().path(field).asInt(-1) == value);
  }

  static String spec(String name) throws Exception {
    return Files.readString(Path.of("..", "spec", name));
  }
}
