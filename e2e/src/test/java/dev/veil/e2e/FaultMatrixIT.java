package dev.veil.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.auth.Ed25519;
import dev.veil.model.json.VeilJson;
import dev.veil.model.market.JobRecord;
import dev.veil.model.market.JobState;
import dev.veil.model.result.JobStatus;
import dev.veil.model.result.ServiceStatus;
import dev.veil.model.result.ServiceUrls;
import dev.veil.testsupport.ClientLogin;
import dev.veil.testsupport.MarketApi;
import dev.veil.testsupport.RequiresContainerEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Outages of each part of the running suite ({@code ./veil up}, real processes), one after
 * another: what a client gets meanwhile (status and problem type, within a bound), that
 * everything works again once the part is back (restarted alone by {@code ./veil up}, nothing
 * else touched), and what becomes of jobs in flight (ended once, on their claim; private
 * definitions and results neither lost nor published). The outcomes are written to
 * {@code target/fault-matrix.md}; the README's table is that file.
 */
@RequiresContainerEngine
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultMatrixIT {

  /** The longest a client may wait for its answer during an outage. */
  static final Duration ANSWER_BOUND = Duration.ofSeconds(15);
  private static final Pattern PROBLEM_TYPE = Pattern.compile("\"type\"\\s*:\\s*\"[^\"]*/problems/([a-z-]+)\"");

  static LocalSuite suite;
  static EngineRelay engine;
  static ClientLogin login;
  static MarketApi market;
  static final KeyPair ALICE = Ed25519.generate();
  static final List<String> OUTCOMES = new ArrayList<>();
  /** How much of the agent's log came before Redis lost its data (the last cell). */
  static int agentLogBeforeDataLoss = Integer.MAX_VALUE;

  @BeforeAll
  static void up() throws Exception {
    // The agent reaches the engine through a relay the test can cut; everything else uses the engine directly.
    engine = new EngineRelay(EngineRelay.engineSocket());
    // Two run slots: a cell keeps one job running while it watches another.
    suite = LocalSuite.up(Map.of("VEIL_AGENT_DOCKERHOST", engine.dockerHost(), "VEIL_AGENT_MAXCONCURRENTJOBS", "2"));
    login = new ClientLogin(suite.gateway());
    market = new MarketApi(suite.gateway(), login);
  }

  @AfterAll
  static void down() throws Exception {
    if (suite == null) {
      return;
    }
    for (String service : List.of("redis", "session-service", "job-market", "gateway", "host-agent")) {
      try {
        suite.signal(service, "CONT");
      } catch (RuntimeException | java.io.IOException alreadyGone) {
        // not running: nothing to wake
      }
    }
    engine.restore();
    String agentLog = Files.readString(suite.state.resolve("up/logs/host-agent.log"));
    suite.close();
    engine.close();
    Files.writeString(Path.of("target", "fault-matrix.md"), String.join("\n", OUTCOMES) + "\n");
    // No job lost its claim to an outage that kept the market's data.
    assertThat(agentLog.substring(0, Math.min(agentLog.length(), agentLogBeforeDataLoss))).doesNotContain("lost its claim");
  }

  /** What a client got, and how long it took. */
  record Answer(int status, String type, String retryAfter, Duration took) {
    @Override
    public String toString() {
      return status + (type == null ? "" : " `" + type + "`") + (retryAfter == null ? "" : ", Retry-After " + retryAfter)
          + ", " + took.toMillis() / 100 / 10.0 + " s";
    }
  }

  static Answer curl(String... args) {
    long start = System.nanoTime();
    Curl.Reply reply = Curl.run(args);
    Matcher type = PROBLEM_TYPE.matcher(reply.body());
    return new Answer(reply.status(), type.find() ? type.group(1) : null, reply.headers().get("retry-after"),
        Duration.ofNanos(System.nanoTime() - start));
  }

  /** Records and checks an answer given during an outage: the status and type expected, in bounded time, never a trace. */
  static Answer during(String fault, String request, Answer answer, int status, String type) {
    OUTCOMES.add("| " + fault + " | " + request + " | " + answer + " |");
    assertThat(answer.status()).as(fault + ": " + request).isEqualTo(status);
    assertThat(answer.type()).as(fault + ": " + request).isEqualTo(type);
    assertThat(answer.took()).as(fault + ": " + request).isLessThan(ANSWER_BOUND);
    if (status == 503) {
      assertThat(answer.retryAfter()).as(fault + ": " + request + " Retry-After").isNotNull();
    }
    return answer;
  }

  static void outcome(String fault, String what) {
    OUTCOMES.add("| " + fault + " | " + what + " | |");
  }

  static ConditionFactory await() {
    return Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
        .ignoreExceptions();
  }

  static String spec(String name) throws Exception {
    return Files.readString(LocalSuite.HOME.resolve("spec").resolve(name));
  }

  static JobRecord post(String json) throws Exception {
    return market.post(ALICE, VeilJson.readJobFile(json), null);
  }

  /** A public job that runs for {@code seconds}, printing a line before and after. */
  static JobRecord longJob(int seconds) throws Exception {
    return post("""
        {"version": "0.1", "type": "container", "ops": [
          {"type": "container/run", "id": "long", "args": {"image": "ubuntu", "cmd": "echo started; sleep %d; echo done"}}]}"""
        .formatted(seconds));
  }

  static JobRecord awaitHostStatus(String jobId, JobStatus status) {
    AtomicReference<JobRecord> seen = new AtomicReference<>();
    await().until(() -> {
      seen.set(market.record(jobId));
      return seen.get().hostStatus() == status;
    });
    return seen.get();
  }

  static JobRecord awaitEnd(String jobId) {
    AtomicReference<JobRecord> seen = new AtomicReference<>();
    await().until(() -> {
      seen.set(market.record(jobId));
      return seen.get().state().isFinal();
    });
    return seen.get();
  }

  /** The job ended once, completed, on the claim it had before the outage, with every line it printed. */
  static void endedOnItsClaim(String fault, JobRecord before) throws Exception {
    JobRecord end = awaitEnd(before.jobId());
    assertThat(end.state()).as(fault).isEqualTo(JobState.COMPLETED);
    assertThat(end.nodeId()).as(fault).isEqualTo(before.nodeId());
    assertThat(end.claimedAt()).as(fault + ": never re-queued").isEqualTo(before.claimedAt());
    assertThat(market.resultText(before.jobId())).contains("started", "done");
    outcome(fault, "a job running meanwhile: completed once, on its claim, every line kept");
  }

  static Answer jobRecord(String jobId) {
    return curl(suite.gateway() + "/v1/jobs/" + jobId);
  }

  static Answer challenge() {
    return curl("-X", "POST", suite.gateway() + "/v1/challenges", "-H", "Content-Type: application/json",
        "-d", "{\"publicKey\": \"" + Ed25519.id(ALICE.getPublic()) + "\"}");
  }

  static Answer postJob(String sessionId) {
    return curl("-X", "POST", suite.gateway() + "/v1/jobs", "-H", "x-session-id: " + sessionId,
        "-H", "Content-Type: application/json", "-d", "{\"definition\": " + publicJobJson() + "}");
  }

  static String publicJobJson() {
    try {
      return VeilJson.strict().writeValueAsString(VeilJson.readJobFile(spec("public-job.json")));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static Answer sendDefinition(String jobId, String sessionId) {
    return curl("-X", "POST", suite.urlOf(suite.nodeId) + "/job-definition/" + jobId, "-H", "x-session-id: " + sessionId,
        "-H", "Content-Type: application/json", "-d", "@spec/job-definition-request.json");
  }

  /** The one URL of the job's private exposed service, once the owner sees it ONLINE. */
  static String onlineServiceUrl(String jobId, String sessionId) {
    AtomicReference<String> url = new AtomicReference<>();
    await().until(() -> {
      Curl.Reply reply = Curl.run(suite.urlOf(suite.nodeId) + "/service/url/" + jobId, "-H", "x-session-id: " + sessionId);
      if (reply.status() != 200) {
        return false;
      }
      ServiceUrls urls = VeilJson.readStrict(reply.body().getBytes(), ServiceUrls.class);
      if (urls.status() != ServiceStatus.ONLINE || urls.urls().size() != 1) {
        return false;
      }
      url.set(urls.urls().values().iterator().next().url());
      return true;
    });
    return url.get();
  }

  static Map<String, Long> pidsBut(String restarted) throws Exception {
    Map<String, Long> pids = new java.util.TreeMap<>();
    for (String service : List.of("redis", "session-service", "job-market", "gateway", "host-agent")) {
      if (!service.equals(restarted)) {
        pids.put(service, suite.pid(service));
      }
    }
    return pids;
  }

  /** What a cell checks while a part is down. */
  interface Meanwhile {
    void check() throws Exception;
  }

  /** Kills {@code service} (SIGKILL), checks {@code meanwhile}, then restarts it alone, whatever the checks found. */
  static void whileDown(String service, Meanwhile meanwhile) throws Exception {
    suite.signal(service, "KILL");
    try {
      meanwhile.check();
    } finally {
      restartAlone(service);
    }
  }

  /** Restarts {@code service} with {@code ./veil up}; nothing else is restarted. */
  static void restartAlone(String service) throws Exception {
    Map<String, Long> others = pidsBut(service);
    suite.restartWhatIsDown();
    assertThat(pidsBut(service)).as("only " + service + " was started again").isEqualTo(others);
  }

  @Test
  @Order(1)
  void redisHangs() throws Exception {
    String fault = "Redis hung (SIGSTOP, 10 s)";
    JobRecord running = awaitHostStatus(longJob(20).jobId(), JobStatus.RUNNING);
    String session = login.sessionId(ALICE);

    suite.signal("redis", "STOP");
    long pausedAt = System.nanoTime();
    try {
      during(fault, "`GET /v1/jobs/{id}`", jobRecord(running.jobId()), 503, "store-unavailable");
      during(fault, "`POST /v1/challenges`", challenge(), 503, "store-unavailable");
      during(fault, "`POST /v1/jobs` (a valid session)", postJob(session), 503, "upstream-unavailable");
      during(fault, "`GET <node>/node/info`", curl(suite.urlOf(suite.nodeId) + "/node/info"), 200, null);
      LocalSuite.Run status = suite.veil("job", "status", running.jobId());
      outcome(fault, "`veil job status`: exit " + status.exitCode());
      assertThat(status.exitCode()).as(status.toString()).isEqualTo(8);
      Thread.sleep(Math.max(0, Duration.ofSeconds(10).toMillis() - Duration.ofNanos(System.nanoTime() - pausedAt).toMillis()));
    } finally {
      suite.signal("redis", "CONT");
    }

    await().until(() -> jobRecord(running.jobId()).status() == 200);
    assertThat(postJob(session).status()).isEqualTo(201);
    endedOnItsClaim(fault, running);
  }

  @Test
  @Order(2)
  void redisIsKilledAndRestartedWithItsData() throws Exception {
    String fault = "Redis killed (SIGKILL), restarted with its data";
    JobRecord running = awaitHostStatus(longJob(20).jobId(), JobStatus.RUNNING);
    String session = login.sessionId(ALICE);
    Thread.sleep(1500); // the append-only file is synced every second

    whileDown("redis", () -> {
      during(fault, "`GET /v1/jobs/{id}`", jobRecord(running.jobId()), 503, "store-unavailable");
      during(fault, "`POST /v1/challenges`", challenge(), 503, "store-unavailable");
    });

    await().until(() -> jobRecord(running.jobId()).status() == 200);
    // Sessions and jobs were kept: the same session posts again.
    await().until(() -> postJob(session).status() == 201);
    outcome(fault, "sessions and job records kept (append-only file)");
    endedOnItsClaim(fault, running);
  }

  @Test
  @Order(3)
  void sessionServiceIsKilled() throws Exception {
    String fault = "session-service killed";
    JobRecord waiting = awaitHostStatus(post(spec("private-send-template.json")).jobId(), JobStatus.WAITING_FOR_JOB_DEFINITION);
    String session = login.sessionId(ALICE);
    String scoped = login.login(ALICE, waiting.jobId(), suite.nodeId).sessionId();

    whileDown("session-service", () -> {
      during(fault, "`POST /v1/challenges`", challenge(), 503, "upstream-unavailable");
      during(fault, "`POST /v1/jobs` (a valid session)", postJob(session), 503, "upstream-unavailable");
      during(fault, "`POST <node>/job-definition/{id}`", sendDefinition(waiting.jobId(), scoped), 503, "upstream-unavailable");
      during(fault, "`GET /v1/jobs/{id}` (public)", jobRecord(waiting.jobId()), 200, null);
    });

    await().until(() -> sendDefinition(waiting.jobId(), scoped).status() == 200);
    JobRecord end = awaitEnd(waiting.jobId());
    assertThat(end.state()).isEqualTo(JobState.COMPLETED);
    assertThat(market.resultText(waiting.jobId())).contains("hello world");
    outcome(fault, "a job waiting for its private definition: took it after the restart (same session), completed");
  }

  @Test
  @Order(4)
  void jobMarketIsKilled() throws Exception {
    String fault = "job-market killed";
    JobRecord running = awaitHostStatus(longJob(20).jobId(), JobStatus.RUNNING);

    whileDown("job-market", () -> {
      during(fault, "`GET /v1/jobs/{id}`", jobRecord(running.jobId()), 503, "upstream-unavailable");
      LocalSuite.Run status = suite.veil("job", "status", running.jobId());
      outcome(fault, "`veil job status`: exit " + status.exitCode());
      assertThat(status.exitCode()).as(status.toString()).isEqualTo(8);
      assertThat(status.err()).contains("unavailable, retry in");
      Thread.sleep(5000); // the running job's host meets the outage for a while
    });

    endedOnItsClaim(fault, running);
  }

  @Test
  @Order(5)
  void gatewayIsKilledAndRestarted() throws Exception {
    String fault = "gateway killed, restarted";
    JobRecord running = awaitHostStatus(longJob(15).jobId(), JobStatus.RUNNING);
    JobRecord waiting = awaitHostStatus(post(spec("private-send-template.json")).jobId(), JobStatus.WAITING_FOR_JOB_DEFINITION);
    String scoped = login.login(ALICE, waiting.jobId(), suite.nodeId).sessionId();
    JobRecord exposing = market.post(ALICE, VeilJson.readJobFile(spec("private-expose-job.json")), 600L);
    String forUrls = login.login(ALICE, exposing.jobId(), suite.nodeId).sessionId();
    String serviceUrl = onlineServiceUrl(exposing.jobId(), forUrls);
    assertThat(Curl.run(serviceUrl + "/").status()).isEqualTo(200);

    whileDown("gateway", () -> {
      LocalSuite.Run status = suite.veil("job", "status", running.jobId());
      outcome(fault, "`veil job status`: exit " + status.exitCode() + " (cannot reach the gateway)");
      assertThat(status.exitCode()).as(status.toString()).isEqualTo(7);
    });

    // The agent dials its tunnel again by itself.
    await().until(() -> curl(suite.urlOf(suite.nodeId) + "/node/info").status() == 200);
    assertThat(sendDefinition(waiting.jobId(), scoped).status()).isEqualTo(200);
    assertThat(awaitEnd(waiting.jobId()).state()).isEqualTo(JobState.COMPLETED);
    outcome(fault, "the node reachable again through its new tunnel; a waiting private job took its definition");
    // The exposed private service is back at the same unguessable URL: the agent forwards it again.
    await().until(() -> Curl.run(serviceUrl + "/").status() == 200);
    assertThat(onlineServiceUrl(exposing.jobId(), forUrls)).isEqualTo(serviceUrl);
    outcome(fault, "an exposed private service: the same URL answers again once the agent's tunnel is back");
    assertThat(market.stop(ALICE, exposing.jobId())).isEqualTo(200);
    assertThat(awaitEnd(exposing.jobId()).state()).isEqualTo(JobState.STOPPED);
    endedOnItsClaim(fault, running);
  }

  @Test
  @Order(6)
  void hostAgentIsKilledAndRestarted() throws Exception {
    String fault = "host-agent killed (SIGKILL), restarted";
    JobRecord holding = awaitHostStatus(post(spec("private-receive-template.json").replace("\"ops\": []",
        "\"ops\": [{\"type\": \"container/run\", \"id\": \"held\", \"args\": {\"cmd\": \"echo kept for the owner\", \"image\": \"ubuntu\"}}]"))
        .jobId(), JobStatus.WAITING_FOR_RESULT);
    JobRecord waiting = awaitHostStatus(post(spec("private-send-template.json")).jobId(), JobStatus.WAITING_FOR_JOB_DEFINITION);
    JobRecord running = awaitHostStatus(longJob(60).jobId(), JobStatus.RUNNING);
    String forResult = login.login(ALICE, holding.jobId(), suite.nodeId).sessionId();
    String forDefinition = login.login(ALICE, waiting.jobId(), suite.nodeId).sessionId();

    whileDown("host-agent", () -> during(fault, "`GET <node>/job-result/{id}`",
        curl(suite.urlOf(suite.nodeId) + "/job-result/" + holding.jobId(), "-H", "x-session-id: " + forResult), 503, "node-offline"));

    await().until(() -> curl(suite.urlOf(suite.nodeId) + "/node/info").status() == 200);
    Curl.Reply result = Curl.run(suite.urlOf(suite.nodeId) + "/job-result/" + holding.jobId(), "-H", "x-session-id: " + forResult);
    assertThat(result.status()).isEqualTo(200);
    assertThat(result.body()).contains("kept for the owner");
    assertThat(awaitEnd(holding.jobId()).state()).isEqualTo(JobState.COMPLETED);
    assertThat(market.resultText(holding.jobId())).doesNotContain("kept for the owner");
    outcome(fault, "a held private result: kept (sealed on disk), served once after the restart, never published");
    await().until(() -> sendDefinition(waiting.jobId(), forDefinition).status() == 200);
    assertThat(awaitEnd(waiting.jobId()).state()).isEqualTo(JobState.COMPLETED);
    outcome(fault, "a job waiting for its private definition: still waiting after the restart, then ran");
    JobRecord interrupted = awaitEnd(running.jobId());
    assertThat(interrupted.claimedAt()).as("not re-queued and run again").isEqualTo(running.claimedAt());
    assertThat(market.resultText(running.jobId())).contains("started").doesNotContain("done");
    outcome(fault, "a job whose container was running: ended `" + interrupted.hostStatus() + "` once (its container removed), never run twice");
  }

  @Test
  @Order(7)
  void theEngineGoesAwayWhileAJobRunsAndComesBack() throws Exception {
    String fault = "container engine's socket gone (18 s)";
    JobRecord stopped = awaitHostStatus(longJob(600).jobId(), JobStatus.RUNNING);
    Path agentLog = suite.state.resolve("up/logs/host-agent.log");
    int mark = Files.readString(agentLog).length();
    // Cut as soon as this one runs: it ends (12 s) while the engine is away.
    JobRecord running = awaitHostStatus(longJob(12).jobId(), JobStatus.RUNNING);

    engine.cut();
    long cutAt = System.nanoTime();
    try {
      Answer info = during(fault, "`GET <node>/node/info`", curl(suite.urlOf(suite.nodeId) + "/node/info"), 200, null);
      assertThat(Curl.run(suite.urlOf(suite.nodeId) + "/node/info").body()).contains("\"engine\":\"unreachable\"");
      Curl.Reply health = Curl.run(suite.direct("VEIL_AGENT_PORT") + "/actuator/health");
      outcome(fault, "the agent's `/actuator/health`: " + health.status() + ", `engine` DOWN; `/node/info` says `unreachable`");
      assertThat(health.status()).isEqualTo(503);
      assertThat(info.took()).isLessThan(ANSWER_BOUND);
      // The owner stops the other job meanwhile: its host cannot tell the engine yet.
      assertThat(market.stop(ALICE, stopped.jobId())).isEqualTo(200);
      // The container ends (12 s) while nobody can hear it; the job stays running on the market.
      Thread.sleep(Math.max(0, Duration.ofSeconds(18).toMillis() - Duration.ofNanos(System.nanoTime() - cutAt).toMillis()));
      assertThat(market.record(running.jobId()).state()).isEqualTo(JobState.RUNNING);
    } finally {
      engine.restore();
    }

    endedOnItsClaim(fault, running);
    // The stop asked while the engine was away is not dropped: it reaches the engine once it is back.
    JobRecord stopEnd = awaitEnd(stopped.jobId());
    assertThat(stopEnd.state()).isEqualTo(JobState.STOPPED);
    assertThat(stopEnd.claimedAt()).isEqualTo(stopped.claimedAt());
    outcome(fault, "a stop asked meanwhile: carried out once the engine answers (the job ends `STOPPED`, not after its 600 s)");
    assertThat(Files.readString(agentLog).substring(mark)).contains("engine event stream broke");
    await().until(() -> Curl.run(suite.direct("VEIL_AGENT_PORT") + "/actuator/health").status() == 200);
    // Nothing of the job is left in the engine.
    for (String jobId : List.of(running.jobId(), stopped.jobId())) {
      Curl.Reply left = Curl.run("--unix-socket", EngineRelay.engineSocket().toString(), "-G", "--data-urlencode",
          "filters={\"label\":[\"dev.veil.job=" + jobId + "\"]}", "http://engine/containers/json?all=1");
      assertThat(left.body().strip()).as("containers left of " + jobId).isEqualTo("[]");
    }
    outcome(fault, "its containers removed; the agent healthy again");
  }

  @Test
  @Order(8)
  void redisIsLostWithItsData() throws Exception {
    String fault = "Redis lost with its data (killed, its file removed, restarted empty)";
    JobRecord running = awaitHostStatus(longJob(60).jobId(), JobStatus.RUNNING);
    String session = login.sessionId(ALICE);
    Path agentLog = suite.state.resolve("up/logs/host-agent.log");
    agentLogBeforeDataLoss = Files.readString(agentLog).length();

    suite.signal("redis", "KILL");
    try (var files = Files.walk(suite.state.resolve("up/redis"))) {
      for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        if (!file.equals(suite.state.resolve("up/redis"))) {
          Files.delete(file);
        }
      }
    }
    restartAlone("redis");

    // Everything the store held is gone: sessions and jobs are unknown, as if never made.
    await().until(() -> postJob(session).status() == 401);
    during(fault, "`POST /v1/jobs` (a session made before)", postJob(session), 401, "unauthorized");
    // The market's own Redis connection comes back on its client's reconnect schedule, which may be
    // after session-service's (a 401 above says only that the session is unknown): until then it
    // answers 503, as while Redis is down.
    await().until(() -> jobRecord(running.jobId()).status() != 503);
    during(fault, "`GET /v1/jobs/{id}` (a job posted before)", jobRecord(running.jobId()), 404, "not-found");
    // The host hears that the market no longer gives it the job: it stops it and publishes nothing.
    await().until(() -> Files.readString(agentLog).substring(agentLogBeforeDataLoss).contains("lost its claim"));
    outcome(fault, "a running job: its host is told it no longer holds it, stops it and publishes nothing");
    // A new login works at once, and so does a new job.
    assertThat(postJob(login.sessionId(ALICE)).status()).isEqualTo(201);
    outcome(fault, "a new login and a new job work at once");
  }
}
