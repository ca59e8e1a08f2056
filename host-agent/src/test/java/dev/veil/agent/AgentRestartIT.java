package dev.veil.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import dev.veil.model.auth.Ed25519;
import dev.veil.model.market.JobRecord;
import dev.veil.model.market.JobState;
import dev.veil.model.result.FlowState;
import dev.veil.model.result.JobStatus;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import dev.veil.testsupport.ServiceProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/** The agent killed (SIGKILL) while a job's container runs, then started again with the same node key. */
@RequiresContainerEngine
@Testcontainers
class AgentRestartIT {

  @Container
  static final GenericContainer<?> redis = RedisContainers.redis();

  static Suite suite;

  @BeforeAll
  static void network() {
    suite = new Suite(redis);
  }

  @AfterAll
  static void stopNetwork() {
    suite.close();
  }

  @Test
  void aRestartedAgentRemovesTheLeftoverContainersAndEndsTheJobOnTheMarket() throws Exception {
    Path home = Files.createTempDirectory("veil-agent-");
    Map<String, String> env = new HashMap<>();
    env.put("VEIL_MARKET_URL", suite.market.baseUrl());
    env.put("VEIL_NODE_KEY_FILE", home.resolve("node.key").toString());
    env.put("VEIL_AGENT_DATA_DIR", home.resolve("data").toString());
    env.put("VEIL_AGENT_HEARTBEAT_INTERVAL", "PT1S");
    env.put("VEIL_AGENT_CLAIM_WAIT", "PT2S");
    int port = RedisContainers.freePort();
    env.put("PORT", Integer.toString(port));
    env.put("VEIL_AGENT_API_URL", "http://127.0.0.1:" + port);
    KeyPair alice = Ed25519.generate();
    DockerClient docker = Suite.docker();

    ServiceProcess agent = ServiceProcess.start("host-agent", env);
    JobRecord job = suite.post(alice, Suite.job("""
        {"version": "0.1", "type": "container", "ops": [
          {"type": "container/run", "id": "long", "args": {"image": "ubuntu", "cmd": "sleep 300"}}]}"""), null);
    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> Suite.containersOf(docker, job.jobId()) > 0);

    agent.kill();
    assertThat(Suite.containersOf(docker, job.jobId())).as("a crash leaves the container behind").isPositive();
    assertThat(suite.record(job.jobId()).state()).isEqualTo(JobState.RUNNING);

    try (ServiceProcess restarted = ServiceProcess.start("host-agent", env)) {
      FlowState result = suite.awaitResult(job.jobId(), Duration.ofSeconds(60));

      assertThat(result.status()).isEqualTo(JobStatus.FAILED);
      assertThat(result.errors()).containsExactly("the host restarted while this job ran; its containers were removed");
      assertThat(Suite.containersOf(docker, job.jobId())).isZero();
      // Same key file, same node: that is why the market let the restarted agent end the job.
      assertThat(suite.record(job.jobId()).nodeId())
          .isEqualTo(Ed25519.id(dev.veil.model.auth.KeyFile.load(home.resolve("node.key")).getPublic()));
    }
  }

  @Test
  void aGracefulShutdownDrainsThenStopsRunningJobsAndPublishesTheirResults() throws Exception {
    Path home = Files.createTempDirectory("veil-agent-");
    int port = RedisContainers.freePort();
    Map<String, String> env = Map.of("VEIL_MARKET_URL", suite.market.baseUrl(),
        "VEIL_NODE_KEY_FILE", home.resolve("node.key").toString(), "VEIL_AGENT_DATA_DIR", home.resolve("data").toString(),
        "VEIL_AGENT_HEARTBEAT_INTERVAL", "PT1S", "VEIL_AGENT_CLAIM_WAIT", "PT2S", "VEIL_AGENT_DRAIN_TIMEOUT", "PT2S", "VEIL_AGENT_STOP_GRACE", "PT1S",
        "PORT", Integer.toString(port), "VEIL_AGENT_API_URL", "http://127.0.0.1:" + port);
    KeyPair alice = Ed25519.generate();
    DockerClient docker = Suite.docker();

    ServiceProcess agent = ServiceProcess.start("host-agent", env);
    JobRecord job = suite.post(alice, Suite.job("""
        {"version": "0.1", "type": "container", "ops": [
          {"type": "container/run", "id": "long", "args": {"image": "ubuntu", "cmd": "echo working; sleep 300"}}]}"""), null);
    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> Suite.containersOf(docker, job.jobId()) > 0);

    agent.close(); // SIGTERM: stop claiming, let the job drain for 2 s, then stop it and publish; returns once it exited

    assertThat(suite.record(job.jobId()).state()).as("ended before the agent exited").isEqualTo(JobState.COMPLETED);
    FlowState result = suite.awaitResult(job.jobId(), Duration.ofSeconds(5));
    assertThat(result.status()).isEqualTo(JobStatus.STOPPED);
    assertThat(result.errors()).contains("the host shut down");
    assertThat(result.opStates().get(0).logs()).anyMatch(line -> line.log().equals("working"));
    assertThat(Suite.containersOf(docker, job.jobId())).isZero();
  }
}
