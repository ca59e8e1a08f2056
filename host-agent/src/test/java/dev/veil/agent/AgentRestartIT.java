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
    Map<String, String> env = suite.agentEnvironment(home, RedisContainers.freePort());
    KeyPair alice = Ed25519.generate();
    DockerClient docker = Suite.docker();

    ServiceProcess agent = ServiceProcess.start("host-agent", env);
    JobRecord job = suite.post(alice, Suite.job("""
        {"version": "0.1", "type": "container", "ops": [
          {"type": "container/run", "id": "long", "args": {"image": "ubuntu", "cmd": "sleep 300"}}]}"""), null);
    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> Suite.containersOf(docker, job.jobId()) > 0);

    agent.kill();
    assertThat(Suite.containersOf(docker, job.jobId())).as("a crash leaves the container behind").isPositive();
    assertThat(Suite.networksOf(docker, job.jobId())).as("and the job's network").isPositive();
    assertThat(suite.record(job.jobId()).state()).isEqualTo(JobState.RUNNING);

    try (ServiceProcess restarted = ServiceProcess.start("host-agent", env)) {
      FlowState result = suite.awaitResult(job.jobId(), Duration.ofSeconds(60));

      assertThat(result.status()).isEqualTo(JobStatus.FAILED);
      assertThat(result.errors()).containsExactly("the host restarted while this job ran; its containers were removed");
      assertThat(Suite.containersOf(docker, job.jobId())).isZero();
      assertThat(Suite.networksOf(docker, job.jobId())).isZero();
      // Same key file, same node: that is why the market let the restarted agent end the job.
      assertThat(suite.record(job.jobId()).nodeId())
          .isEqualTo(Ed25519.id(dev.veil.model.auth.KeyFile.load(home.resolve("node.key")).getPublic()));
    }
  }

  static String spec(String name) throws Exception {
    return Files.readString(Path.of("..", "spec", name));
  }

  static java.net.http.HttpResponse<String> call(String method, String url, String sessionId, String body) throws Exception {
    return suite.http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
        .header("x-session-id", sessionId).header("Content-Type", "application/json").header("Accept", "application/json")
        .method(method, body == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
            : java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  /** Every byte the agent keeps on disk for private jobs, as text: must never show a private definition or result. */
  static String onDisk(Path home) throws Exception {
    StringBuilder all = new StringBuilder();
    try (var files = Files.walk(home.resolve("data").resolve("private"))) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        all.append(new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1));
      }
    }
    return all.toString();
  }

  @Test
  void aJobWaitingForItsPrivateDefinitionSurvivesAnAgentCrash() throws Exception {
    Path home = Files.createTempDirectory("veil-agent-");
    int port = RedisContainers.freePort();
    Map<String, String> env = suite.agentEnvironment(home, port);
    KeyPair alice = Ed25519.generate();

    ServiceProcess agent = ServiceProcess.start("host-agent", env);
    JobRecord job = suite.post(alice, Suite.job(spec("private-send-receive-template.json")), null);
    Awaitility.await().atMost(Duration.ofSeconds(60))
        .until(() -> suite.record(job.jobId()).hostStatus() == JobStatus.WAITING_FOR_JOB_DEFINITION);
    agent.kill();

    try (ServiceProcess restarted = ServiceProcess.start("host-agent", env)) {
      String nodeId = Ed25519.id(dev.veil.model.auth.KeyFile.load(home.resolve("node.key")).getPublic());
      String session = suite.login.login(alice, job.jobId(), nodeId).sessionId();
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
          call("POST", restarted.baseUrl() + "/job-definition/" + job.jobId(), session, spec("job-definition-request.json"))
              .statusCode() == 200);
      Awaitility.await().atMost(Duration.ofSeconds(60))
          .until(() -> suite.record(job.jobId()).hostStatus() == JobStatus.WAITING_FOR_RESULT);
      assertThat(onDisk(home)).isNotEmpty().doesNotContain("hello world").doesNotContain("hello-world");
      var result = call("GET", restarted.baseUrl() + "/job-result/" + job.jobId(), session, null);
      assertThat(result.statusCode()).isEqualTo(200);
      assertThat(result.body()).contains("hello world");
      assertThat(suite.awaitResult(job.jobId(), Duration.ofSeconds(30)).opStates()).isEmpty();
    }
  }

  @Test
  void aHeldPrivateResultSurvivesAnAgentCrashEncryptedAndIsServedOnceAfter() throws Exception {
    Path home = Files.createTempDirectory("veil-agent-");
    int port = RedisContainers.freePort();
    Map<String, String> env = suite.agentEnvironment(home, port);
    KeyPair alice = Ed25519.generate();

    ServiceProcess agent = ServiceProcess.start("host-agent", env);
    String template = spec("private-receive-template.json").replace("\"ops\": []",
        "\"ops\": [{\"type\": \"container/run\", \"id\": \"hello-world\", \"args\": {\"cmd\": \"echo hello world\", \"image\": \"ubuntu\"}}]");
    JobRecord job = suite.post(alice, Suite.job(template), null);
    Awaitility.await().atMost(Duration.ofSeconds(60))
        .until(() -> suite.record(job.jobId()).hostStatus() == JobStatus.WAITING_FOR_RESULT);
    assertThat(onDisk(home)).as("held at rest, encrypted").isNotEmpty().doesNotContain("hello world");
    agent.kill();

    try (ServiceProcess restarted = ServiceProcess.start("host-agent", env)) {
      String nodeId = Ed25519.id(dev.veil.model.auth.KeyFile.load(home.resolve("node.key")).getPublic());
      String session = suite.login.login(alice, job.jobId(), nodeId).sessionId();
      // Its log too, kept with it, each line with the number it had before the crash.
      var logs = call("GET", restarted.baseUrl() + "/job-logs/" + job.jobId() + "?follow=false", session, null);
      assertThat(logs.statusCode()).isEqualTo(200);
      assertThat(logs.body()).contains("id: 1\nevent: log\ndata: {\"opId\":\"hello-world\",\"type\":\"stdout\",\"log\":\"hello world\"")
          .endsWith("event: end\ndata: {\"status\":\"success\",\"lines\":1}\n\n");
      var result = call("GET", restarted.baseUrl() + "/job-result/" + job.jobId(), session, null);
      assertThat(result.statusCode()).isEqualTo(200);
      assertThat(result.body()).contains("hello world");
      assertThat(call("GET", restarted.baseUrl() + "/job-result/" + job.jobId(), session, null).statusCode()).isEqualTo(410);
      assertThat(suite.awaitResult(job.jobId(), Duration.ofSeconds(30)).opStates()).isEmpty();
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> onDisk(home).isEmpty());
    }
  }

  @Test
  void aGracefulShutdownDrainsThenStopsRunningJobsAndPublishesTheirResults() throws Exception {
    Path home = Files.createTempDirectory("veil-agent-");
    int port = RedisContainers.freePort();
    Map<String, String> env = suite.agentEnvironment(home, port);
    env.put("VEIL_AGENT_DRAIN_TIMEOUT", "PT2S");
    env.put("VEIL_AGENT_STOP_GRACE", "PT1S");
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
