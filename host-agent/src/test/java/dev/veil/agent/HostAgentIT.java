package dev.veil.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import dev.veil.agent.expose.ServiceExposer;
import dev.veil.agent.run.JobExecution;
import dev.veil.agent.run.OpRun;
import dev.veil.agent.run.OpServices;
import dev.veil.model.auth.Ed25519;
import dev.veil.model.id.ExposeIds;
import dev.veil.model.market.JobRecord;
import dev.veil.model.market.JobState;
import dev.veil.model.result.FlowState;
import dev.veil.model.result.JobStatus;
import dev.veil.model.result.LogEntry;
import dev.veil.model.result.OpState;
import dev.veil.model.result.OpStatus;
import dev.veil.model.result.ServiceStatus;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import io.lettuce.core.RedisClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The agent claims and runs real containers (through the engine ./veil test set up: Podman here,
 * Docker elsewhere) for jobs posted to the real market, and publishes their results.
 */
@RequiresContainerEngine
@Testcontainers
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
class HostAgentIT {

  @Container
  static final GenericContainer<?> redis = RedisContainers.redis();

  static Suite suite;
  static final int AGENT_PORT = RedisContainers.freePort();

  @DynamicPropertySource
  static void network(DynamicPropertyRegistry registry) throws Exception {
    suite = new Suite(redis);
    suite.agentProperties(registry, AGENT_PORT);
  }

  @AfterAll
  static void stopNetwork() {
    suite.close();
  }

  @Autowired
  ServiceExposer exposer;

  @Autowired
  MeterRegistry meters;

  final KeyPair alice = Ed25519.generate();
  final DockerClient docker = Suite.docker();

  static OpState op(FlowState result, String id) {
    return result.opStates().stream().filter(o -> o.operationId().equals(id)).findFirst().orElseThrow();
  }

  static boolean logged(OpState op, String stream, String line) {
    return op.logs().stream().anyMatch(l -> l.type().equals(stream) && l.log().equals(line));
  }

  @Test
  void theSeedsPublicJobRunsAndItsPublicResultHasTheLogLine() throws Exception {
    JobRecord job = suite.post(alice, Suite.spec("public-job.json"), null);

    FlowState result = suite.awaitResult(job.jobId(), Duration.ofSeconds(60));

    assertThat(suite.record(job.jobId()).state()).isEqualTo(JobState.COMPLETED);
    assertThat(result.status()).isEqualTo(JobStatus.SUCCESS);
    OpState hello = op(result, "hello-world");
    assertThat(hello.status()).isEqualTo(OpStatus.SUCCESS);
    assertThat(hello.exitCode()).isZero();
    assertThat(logged(hello, LogEntry.STDOUT, "hello world")).isTrue();
    assertThat(hello.startTime()).isNotNull().isLessThanOrEqualTo(hello.endTime());
    assertThat(Suite.containersOf(docker, job.jobId())).isZero();
  }

  @Test
  void commandFormsGlobalsAndResultPatterns() throws Exception {
    JobRecord job = suite.post(alice, Suite.job("""
        {"version": "0.1", "type": "container",
         "global": {"image": "ubuntu", "env": {"GREETING": "hi"}},
         "ops": [
           {"type": "container/run", "id": "string", "args": {"cmd": "echo one two; echo $GREETING"},
            "results": {"second": "one (\\\\w+)", "err": {"regex": "(.+)", "logType": ["stderr"]}}},
           {"type": "container/run", "id": "array", "args": {"cmd": ["echo", "a  b"], "env": {"GREETING": "own"}}},
           {"type": "container/run", "id": "default", "args": {"cmd": []}}
         ]}"""), null);

    FlowState result = suite.awaitResult(job.jobId(), Duration.ofSeconds(60));

    assertThat(result.status()).isEqualTo(JobStatus.SUCCESS);
    OpState string = op(result, "string");
    assertThat(logged(string, LogEntry.STDOUT, "one two")).isTrue();
    assertThat(logged(string, LogEntry.STDOUT, "hi")).isTrue();
    assertThat(string.results()).containsEntry("second", java.util.List.of("two")).containsEntry("err", java.util.List.of());
    assertThat(logged(op(result, "array"), LogEntry.STDOUT, "a  b")).isTrue();
    assertThat(op(result, "default").status()).isEqualTo(OpStatus.SUCCESS);
    // Plain ops run in order.
    assertThat(op(result, "array").startTime()).isGreaterThanOrEqualTo(string.endTime());
  }

  @Test
  void everyLineAJobPrintsIsKeptInOrderOnBothStreams() throws Exception {
    // Podman's live log follow skipped most of such output: 1,000s of lines written at once, the
    // container exiting right after.
    JobRecord job = suite.post(alice, Suite.job("""
        {"version": "0.1", "type": "container", "ops": [
          {"type": "container/run", "id": "burst", "args": {"image": "ubuntu",
           "cmd": "seq 1 6000; i=0; while [ $i -lt 1500 ]; do i=$((i+1)); echo out$i; echo err$i >&2; done; printf tail"}}]}"""), null);

    FlowState result = suite.awaitResult(job.jobId(), Duration.ofSeconds(90));

    OpState burst = op(result, "burst");
    List<String> stdout = burst.logs().stream().filter(l -> l.type().equals(LogEntry.STDOUT)).map(LogEntry::log).toList();
    List<String> stderr = burst.logs().stream().filter(l -> l.type().equals(LogEntry.STDERR)).map(LogEntry::log).toList();
    List<String> expectedOut = new ArrayList<>();
    IntStream.rangeClosed(1, 6000).forEach(i -> expectedOut.add(Integer.toString(i)));
    IntStream.rangeClosed(1, 1500).forEach(i -> expectedOut.add("out" + i));
    expectedOut.add("tail");
    assertThat(stdout).containsExactlyElementsOf(expectedOut);
    assertThat(stderr).containsExactlyElementsOf(IntStream.rangeClosed(1, 1500).mapToObj(i -> "err" + i).toList());
    assertThat(burst.logs()).noneMatch(l -> l.type().equals(LogEntry.NODEERR));
  }

  @Test
  void aLineLongerThanTheMaximumIsSplitIntoContinuedPartsNotCut() throws Exception {
    JobRecord job = suite.post(alice, Suite.job("""
        {"version": "0.1", "type": "container", "ops": [
          {"type": "container/run", "id": "long", "args": {"image": "ubuntu",
           "cmd": "echo before; head -c 40000 /dev/zero | tr '\\\\0' x; echo; echo after"}}]}"""), null);

    FlowState result = suite.awaitResult(job.jobId(), Duration.ofSeconds(60));

    List<LogEntry> logs = op(result, "long").logs();
    assertThat(logs).extracting(LogEntry::log).first().isEqualTo("before");
    assertThat(logs).extracting(LogEntry::log).last().isEqualTo("after");
    List<LogEntry> parts = logs.subList(1, logs.size() - 1);
    assertThat(parts).extracting(LogEntry::continued).containsExactly(null, true, true);
    assertThat(parts.get(0).log()).hasSize(16384);
    assertThat(String.join("", parts.stream().map(LogEntry::log).toList())).isEqualTo("x".repeat(40000));
  }

  @Test
  void aResultOverTheMarketsLimitIsCutAndPublishedOnceNotRunAgain() throws Exception {
    double started = meters.counter("veil.agent.containers.started").count();
    // 5,000 lines of 1,000 characters: 5 MB of log, over the market's 4 MB body limit.
    JobRecord job = suite.post(alice, Suite.job("""
        {"version": "0.1", "type": "container", "ops": [
          {"type": "container/run", "id": "loud", "args": {"image": "ubuntu",
           "cmd": "yes $(head -c 1000 /dev/zero | tr '\\\\0' x) | head -n 5000"}}]}"""), null);

    FlowState result = suite.awaitResult(job.jobId(), Duration.ofSeconds(90));

    assertThat(result.status()).isEqualTo(JobStatus.SUCCESS);
    assertThat(suite.publishedBytes(job.jobId()).length()).isLessThanOrEqualTo(3 * 1024 * 1024);
    List<LogEntry> logs = op(result, "loud").logs();
    List<LogEntry> lines = logs.stream().filter(l -> l.type().equals(LogEntry.STDOUT)).toList();
    assertThat(lines).isNotEmpty().allMatch(l -> l.log().equals("x".repeat(1000)));
    // What was left out is said, and adds up to what the job printed.
    long leftOut = logs.stream().filter(l -> l.type().equals(LogEntry.NODEERR))
        .mapToLong(l -> Long.parseLong(l.log().substring(0, l.log().indexOf(' ')))).sum();
    assertThat(lines.size() + leftOut).isEqualTo(5000);
    assertThat(meters.counter("veil.agent.containers.started").count() - started).isEqualTo(1);
  }

  @Test
  void aFailingCommandFailsTheJobWithItsExitCode() throws Exception {
    JobRecord job = suite.post(alice, Suite.job("""
        {"version": "0.1", "type": "container", "ops": [
          {"type": "container/run", "id": "bad", "args": {"image": "ubuntu", "cmd": "echo oops >&2; exit 3"}}]}"""), null);

    FlowState result = suite.awaitResult(job.jobId(), Duration.ofSeconds(60));

    assertThat(result.status()).isEqualTo(JobStatus.FAILED);
    OpState bad = op(result, "bad");
    assertThat(bad.exitCode()).isEqualTo(3);
    assertThat(bad.status()).isEqualTo(OpStatus.FAILED);
    assertThat(logged(bad, LogEntry.STDERR, "oops")).isTrue();
    assertThat(bad.errors()).contains("the container exited with code 3");
  }

  @Test
  void anImageThatCannotBePulledIsAClearOpError() throws Exception {
    JobRecord job = suite.post(alice, Suite.job("""
        {"version": "0.1", "type": "container", "ops": [
          {"type": "container/run", "id": "ghost", "args": {"image": "localhost/veil-no-such-image:1", "cmd": "true"}},
          {"type": "container/run", "id": "after", "args": {"image": "ubuntu", "cmd": "echo still here"}}]}"""), null);

    FlowState result = suite.awaitResult(job.jobId(), Duration.ofSeconds(90));

    assertThat(result.status()).isEqualTo(JobStatus.FAILED);
    OpState ghost = op(result, "ghost");
    assertThat(ghost.status()).isEqualTo(OpStatus.FAILED);
    assertThat(ghost.errors()).singleElement().asString().startsWith("image 'localhost/veil-no-such-image:1' could not be pulled");
    assertThat(ghost.exitCode()).isNull();
    // The agent did not crash: the next op ran.
    assertThat(logged(op(result, "after"), LogEntry.STDOUT, "still here")).isTrue();
  }

  @Test
  void theJobTimeoutStopsItAndRemovesItsContainers() throws Exception {
    JobRecord job = suite.post(alice, Suite.job("""
        {"version": "0.1", "type": "container", "ops": [
          {"type": "container/run", "id": "slow", "args": {"image": "ubuntu", "cmd": "echo started; sleep 120"}}]}"""), 3L);

    FlowState result = suite.awaitResult(job.jobId(), Duration.ofSeconds(60));

    assertThat(result.status()).isEqualTo(JobStatus.STOPPED);
    assertThat(result.errors()).contains("the job exceeded its timeout of 3 s and was stopped");
    assertThat(op(result, "slow").status()).isEqualTo(OpStatus.STOPPED);
    assertThat(logged(op(result, "slow"), LogEntry.STDOUT, "started")).isTrue();
    assertThat(Suite.containersOf(docker, job.jobId())).isZero();
    assertThat(Suite.networksOf(docker, job.jobId())).isZero();
  }

  @Test
  void aStopFromTheOwnerReachesTheRunningJob() throws Exception {
    JobRecord job = suite.post(alice, Suite.job("""
        {"version": "0.1", "type": "container", "ops": [
          {"type": "container/run", "id": "long", "args": {"image": "ubuntu", "cmd": "sleep 120"}}]}"""), null);
    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> Suite.containersOf(docker, job.jobId()) > 0);
    double pushed = meters.counter("veil.agent.stops.pushed").count();

    assertThat(suite.stop(alice, job.jobId())).isEqualTo(200);
    FlowState result = suite.awaitResult(job.jobId(), Duration.ofSeconds(60));

    // Heard from the job's event stream, not only on the next heartbeat.
    assertThat(meters.counter("veil.agent.stops.pushed").count() - pushed).isEqualTo(1);

    assertThat(suite.record(job.jobId()).state()).isEqualTo(JobState.STOPPED);
    assertThat(result.status()).isEqualTo(JobStatus.STOPPED);
    assertThat(result.errors()).contains("stopped by its owner");
    assertThat(Suite.containersOf(docker, job.jobId())).isZero();
  }

  @Test
  void groupsRunInOrderAndDependsOnWaitsForTheStart() throws Exception {
    JobRecord job = suite.post(alice, Suite.job("""
        {"version": "0.1", "type": "container", "global": {"image": "ubuntu"}, "ops": [
          {"type": "container/run", "id": "a", "args": {"cmd": "sleep 1; echo a"}, "execution": {"group": "first"}},
          {"type": "container/run", "id": "b", "args": {"cmd": "echo b"}, "execution": {"group": "first", "depends_on": ["a"]}},
          {"type": "container/run", "id": "svc", "args": {"cmd": "sleep 1"}, "execution": {"group": "second"}},
          {"type": "container/run", "id": "sidecar", "args": {"cmd": "sleep 60"},
           "execution": {"group": "second", "depends_on": ["svc"], "stop_if_dependent_stops": true}}]}"""), null);

    FlowState result = suite.awaitResult(job.jobId(), Duration.ofSeconds(90));

    OpState a = op(result, "a");
    OpState b = op(result, "b");
    assertThat(b.startTime()).isGreaterThanOrEqualTo(a.startTime());
    OpState svc = op(result, "svc");
    assertThat(svc.startTime()).isGreaterThanOrEqualTo(Math.max(a.endTime(), b.endTime()));
    OpState sidecar = op(result, "sidecar");
    assertThat(sidecar.status()).isEqualTo(OpStatus.STOPPED);
    assertThat(sidecar.errors()).contains("stopped: op 'svc' it depends on ended");
    assertThat(sidecar.endTime() - sidecar.startTime()).isLessThan(60_000);
  }

  /**
   * The agent as it is, but for an op named {@value #UNEXPOSABLE}, whose exposure fails as a
   * gateway's refusal of every forward would (the gateway refuses one it cannot check, e.g. when
   * the market is too slow to say who holds the job; found by e2e's ScaleOutIT; not provoked on
   * demand here, so injected at the one seam where the agent hears of it).
   */
  static final String UNEXPOSABLE = "unexposable";

  @TestConfiguration
  static class RefusedForwards {
    @Bean
    @Primary
    OpServices refusingOneOp(ServiceExposer exposer) {
      return new OpServices() {
        @Override
        public reactor.core.publisher.Mono<Void> expose(JobExecution execution, OpRun op, String containerId) {
          return UNEXPOSABLE.equals(op.id())
              ? reactor.core.publisher.Mono.error(new IllegalStateException("the gateway refused a forward"))
              : exposer.expose(execution, op, containerId);
        }

        @Override
        public reactor.core.publisher.Mono<Void> withdraw(OpRun op) {
          return exposer.withdraw(op);
        }
      };
    }
  }

  @Test
  void aServiceThatCannotBeExposedIsNotLeftRunningItsOpFailsSayingWhy() throws Exception {
    String json = Files.readString(Path.of("..", "spec", "private-expose-job.json")).replace("\"id\": \"nginx\"",
        "\"id\": \"" + UNEXPOSABLE + "\"");
    JobRecord job = suite.post(alice, Suite.job(json), null);

    // Not left to run, unreachable, until its hour's timeout: ended within seconds, by itself.
    FlowState result = suite.awaitResult(job.jobId(), Duration.ofSeconds(60));

    assertThat(result.status()).isEqualTo(JobStatus.FAILED);
    OpState op = op(result, UNEXPOSABLE);
    assertThat(op.status()).isEqualTo(OpStatus.FAILED);
    assertThat(op.errors()).anyMatch(error -> error.startsWith("exposing its ports failed: ")
        && error.endsWith("the op was stopped: nobody could have reached it"));
    assertThat(Suite.containersOf(docker, job.jobId())).isZero();
  }

  @Test
  void aPublicNginxExposeIsRoutedAndOnlineUntilTheJobEnds() throws Exception {
    String json = Files.readString(Path.of("..", "spec", "private-expose-job.json")).replace("\"private\": true", "\"private\": false");
    JobRecord job = suite.post(alice, Suite.job(json), null);
    String serviceId = ExposeIds.publicId(0, 80, job.jobId());

    try (RedisClient client = RedisClient.create(RedisContainers.uri(redis));
         StatefulRedisConnection<String, String> redisConnection = client.connect()) {
      // Through the gateway and the agent's tunnel, at the ID anyone derives from the job.
      Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> suite.viaGateway(serviceId, "/").status() == 200);
      assertThat(suite.viaGateway(serviceId, "/").body()).containsIgnoringCase("nginx");
      assertThat(redisConnection.sync().hgetall("veil:{tunnel}:service:" + serviceId)).containsEntry("job", job.jobId());
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> exposer.status(serviceId) == ServiceStatus.ONLINE);

      assertThat(suite.stop(alice, job.jobId())).isEqualTo(200);
      suite.awaitResult(job.jobId(), Duration.ofSeconds(60));
      assertThat(redisConnection.sync().exists("veil:{tunnel}:service:" + serviceId)).isZero();
      assertThat(suite.viaGateway(serviceId, "/").status()).isEqualTo(404);
      assertThat(Suite.containersOf(docker, job.jobId())).isZero();
    }
  }

  @Test
  void aVolumeCreatedByOneOpIsSharedWithTheNextAndRemovedAfter() throws Exception {
    JobRecord job = suite.post(alice, Suite.job("""
        {"version": "0.1", "type": "container", "global": {"image": "ubuntu"}, "ops": [
          {"type": "container/create-volume", "id": "vol", "args": {"name": "data"}},
          {"type": "container/run", "id": "write", "args": {"cmd": "echo shared > /data/file", "volumes": [{"name": "data", "dest": "/data"}]}},
          {"type": "container/run", "id": "read", "args": {"cmd": "cat /data/file", "work_dir": "/data",
            "volumes": [{"name": "data", "dest": "/data"}]}}]}"""), null);

    FlowState result = suite.awaitResult(job.jobId(), Duration.ofSeconds(60));

    assertThat(result.status()).isEqualTo(JobStatus.SUCCESS);
    assertThat(logged(op(result, "read"), LogEntry.STDOUT, "shared")).isTrue();
    assertThat(docker.listVolumesCmd().withFilter("label", java.util.List.of("dev.veil.job=" + job.jobId())).exec().getVolumes())
        .isNullOrEmpty();
  }

  @Test
  void healthChecksAsGivenDecideWhetherAServiceIsOnline() throws Exception {
    JobRecord job = suite.post(alice, Suite.job("""
        {"version": "0.1", "type": "container", "ops": [
          {"type": "container/run", "id": "web", "args": {"image": "ubuntu",
            "cmd": "mkdir -p /www && echo ok > /www/index.html && httpd -p 8080 -h /www && httpd -f -p 8081 -h /www",
            "expose": [
              {"port": 8080, "type": "web", "health_checks": [{"type": "http", "path": "/", "method": "GET", "expected_status": 200, "continuous": true}]},
              {"port": 8081, "type": "web", "health_checks": [{"type": "http", "path": "/missing", "method": "GET", "expected_status": 200, "continuous": true}]}]}}]}"""),
        null);
    String good = ExposeIds.publicId(0, 8080, job.jobId());
    String failing = ExposeIds.publicId(0, 8081, job.jobId());

    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> exposer.status(good) == ServiceStatus.ONLINE);
    // Port 8081 answers too, but its check asks for a page it does not have.
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> exposer.status(failing) == ServiceStatus.OFFLINE);
    assertThat(exposer.status(good)).isEqualTo(ServiceStatus.ONLINE);

    assertThat(suite.stop(alice, job.jobId())).isEqualTo(200);
    suite.awaitResult(job.jobId(), Duration.ofSeconds(60));
  }

  @Test
  void nodeInfoAndHealth() throws Exception {
    HttpResponse<String> info = suite.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + AGENT_PORT + "/node/info")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(info.statusCode()).isEqualTo(200);
    assertThat(info.body()).contains("\"nodeId\"", "\"engine\"", "\"capacity\"").doesNotContain("unreachable");
    HttpResponse<String> health = suite.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + AGENT_PORT + "/actuator/health")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(health.body()).contains("\"engine\":{\"status\":\"UP\"}", "\"market\":{\"status\":\"UP\"}");
  }
}
