package dev.veil.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.auth.Ed25519;
import dev.veil.model.id.ExposeIds;
import dev.veil.model.json.VeilJson;
import dev.veil.model.market.JobRecord;
import dev.veil.model.market.JobState;
import dev.veil.model.result.FlowState;
import dev.veil.model.result.JobStatus;
import dev.veil.model.result.ServiceUrls;
import dev.veil.testsupport.ClientLogin;
import dev.veil.testsupport.MarketApi;
import dev.veil.testsupport.RequiresContainerEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The seed's flows end to end, against the suite as {@code ./veil up} runs it (real Redis, the
 * four services as processes, real containers), reached through the gateway only: first with
 * the seed's curl commands and the exact JSON of spec/, then with the CLI as a user types it.
 * Each flow checks what each party sees: the owner gets the logs and URLs, the public job
 * record and the public result carry none of them.
 */
@RequiresContainerEngine
class SeedFlowsIT {

  static LocalSuite suite;
  static ClientLogin login;
  static MarketApi market;

  final KeyPair alice = Ed25519.generate();
  final KeyPair bob = Ed25519.generate();

  @BeforeAll
  static void up() throws Exception {
    suite = LocalSuite.up();
    login = new ClientLogin(suite.gateway());
    market = new MarketApi(suite.gateway(), login);
  }

  @AfterAll
  static void down() throws Exception {
    if (suite == null) {
      return;
    }
    var pids = suite.pidFiles();
    String agentLog = Files.readString(suite.state.resolve("up/logs/host-agent.log"));
    suite.close();
    // Every job ended once and cleanly: no claim refused, no result published twice.
    assertThat(agentLog).contains("ended: success").doesNotContain("could not be completed").doesNotContain("claim loop:");
    // `down` stopped exactly what `up` started: every recorded process is gone, its file removed.
    for (Path pidFile : pids) {
      assertThat(pidFile).doesNotExist();
    }
    assertThat(suite.veil("down").err()).contains("nothing was running");
  }

  static ConditionFactory await() {
    return Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300));
  }

  static String spec(String name) throws Exception {
    return Files.readString(LocalSuite.HOME.resolve("spec").resolve(name));
  }

  String scopedSession(KeyPair owner, String jobId) {
    return login.login(owner, jobId, suite.nodeId).sessionId();
  }

  JobRecord awaitHostStatus(String jobId, JobStatus status) {
    return ClientWaits.hostStatus(market, jobId, status);
  }

  JobRecord awaitEnd(String jobId) {
    return ClientWaits.end(market, jobId);
  }

  /** The seed's: curl -X POST "http://${NODE_ID}.node.localhost:8080/job-definition/${JOB_ID}" -H "x-session-id: ..." ... */
  Curl.Reply curlSendDefinition(String jobId, String sessionId) {
    return Curl.sendDefinition(suite.urlOf(suite.nodeId), jobId, sessionId);
  }

  /** The seed's: curl "http://${NODE_ID}.node.localhost:8080/<path>" -H "x-session-id: ..." -H "Accept: application/json" */
  Curl.Reply curlGet(String path, String sessionId) {
    return Curl.ownerGet(suite.urlOf(suite.nodeId), path, sessionId);
  }

  // --- ./veil up itself

  @Test
  void upTwiceDoesNotStartASecondSuite() throws Exception {
    List<String> before = suite.pids();

    LocalSuite.Run again = suite.veil("up");

    assertThat(again.exitCode()).as(again.toString()).isZero();
    assertThat(again.err()).contains("already running");
    assertThat(again.out()).contains("node ID      " + suite.nodeId).contains("http://localhost:" + suite.gatewayPort);
    assertThat(suite.pidFiles()).hasSize(5);
    assertThat(suite.pids()).isEqualTo(before);
  }

  // --- the seed's flows with curl and the exact JSON of spec/

  @Test
  void publicJobIsPublicToEveryone() throws Exception {
    JobRecord job = market.post(alice, VeilJson.readJobFile(spec("public-job.json")), 600L);

    assertThat(awaitEnd(job.jobId()).state()).isEqualTo(JobState.COMPLETED);
    assertThat(market.recordText(job.jobId())).contains("echo hello world");
    FlowState result = VeilJson.readStrict(market.resultText(job.jobId()).getBytes(), FlowState.class);
    assertThat(result.status()).isEqualTo(JobStatus.SUCCESS);
    assertThat(result.opStates().get(0).logs()).anyMatch(l -> l.log().equals("hello world"));

    // The CLI reads a public result from the market, in the same document a private one is.
    LocalSuite.Run read = suite.veil("job", "result", job.jobId());
    assertThat(read.exitCode()).as(read.toString()).isZero();
    assertThat(VeilJson.readStrict(read.out().getBytes(), FlowState.class).opStates().get(0).logs())
        .anyMatch(l -> l.log().equals("hello world"));
    // Its log too: no longer on its host, from the published result.
    LocalSuite.Run logs = suite.veil("job", "logs", job.jobId());
    assertThat(logs.exitCode()).as(logs.toString()).isZero();
    assertThat(logs.out()).isEqualTo("hello world\n");
  }

  /** A private definition whose op prints "one", then "two" on stderr, then "three", taking a few seconds. */
  Path printingDefinition() throws Exception {
    Path file = suite.state.resolve("results/printing-definition.json");
    Files.createDirectories(file.getParent());
    Files.writeString(file, """
        {"jobDefinition": {"version": "0.1", "type": "container", "ops": [{"type": "container/run", "id": "printer",
          "args": {"image": "ubuntu", "cmd": ["sh", "-c", "echo one; sleep 2; echo two >&2; sleep 1; echo three"]}}]}}
        """);
    return file;
  }

  // The job ID a human-readable `job post --wait` ends with.
  static String jobId(LocalSuite.Run run) {
    List<String> out = run.out().lines().toList();
    return out.get(out.size() - 1).split(" ")[0];
  }

  @Test
  void theCliShowsTheLogAsItComesWithAStatusLineWhileItWaits() throws Exception {
    Path definition = printingDefinition();
    Path resultFile = suite.state.resolve("results/printing-result.json");
    LocalSuite.Run run = suite.veil(Duration.ofMinutes(3), java.util.Map.of("VEIL_STATUS_LINE", "always"),
        "job", "post", "--file", "spec/private-send-receive-template.json", "--wait", "--definition", definition.toString(),
        "--logs", "--result-out", resultFile.toString());

    assertThat(run.exitCode()).as(run.toString()).isZero();
    List<String> out = run.out().lines().toList();
    assertThat(out).containsSubsequence("one", "three");
    assertThat(run.err()).contains("two\n");
    // The status line is drawn on stderr and cleared before anything else is printed.
    assertThat(run.err()).containsPattern("\r" + jobId(run) + ": RUNNING [a-z-]+ on node " + suite.nodeId + " · \\d+ s\033\\[K")
        .contains("\r\033[K");
    String jobId = jobId(run);
    assertThat(VeilJson.readStrict(Files.readAllBytes(resultFile), FlowState.class).opStates().get(0).logs())
        .extracting(l -> l.log()).containsExactly("one", "two", "three");
    // Collected, the private log is gone from the host, and was never published.
    assertThat(suite.veil("job", "logs", jobId).exitCode()).isEqualTo(6);
    assertThat(market.resultText(jobId)).doesNotContain("three");

    // Without a terminal (and not forced), no status line.
    LocalSuite.Run plain = suite.veil("job", "post", "--file", "spec/public-job.json", "--wait");
    assertThat(plain.err()).doesNotContain("\r");
  }

  @Test
  void theCliFollowsAPrivateJobsLogToItsEnd() throws Exception {
    Path definition = printingDefinition();
    String jobId = json(suite.veil("job", "post", "--file", "spec/private-send-template.json", "--json")).path("jobId").asString();
    awaitHostStatus(jobId, JobStatus.WAITING_FOR_JOB_DEFINITION);
    assertThat(suite.veil("job", "send-definition", jobId, "--file", definition.toString()).exitCode()).isZero();

    LocalSuite.Run logs = suite.veil("job", "logs", jobId, "-f", "--prefix");

    assertThat(logs.exitCode()).as(logs.toString()).isZero();
    assertThat(logs.out()).isEqualTo("printer | one\nprinter | three\n");
    assertThat(logs.err()).contains("printer | two").contains("the job ended success after 3 line(s) shown");
  }

  @Test
  void privateSendWithCurl() throws Exception {
    JobRecord job = market.post(alice, VeilJson.readJobFile(spec("private-send-template.json")), 600L);
    assertThat(awaitHostStatus(job.jobId(), JobStatus.WAITING_FOR_JOB_DEFINITION).nodeId()).isEqualTo(suite.nodeId);

    // Nobody else's session, and no session, gets anywhere; neither learns whether the job exists.
    Curl.Reply stranger = curlSendDefinition(job.jobId(), scopedSession(bob, job.jobId()));
    assertThat(stranger.status()).isEqualTo(404);
    assertThat(stranger.contentType()).isEqualTo("application/problem+json");
    assertThat(Curl.run("-X", "POST", suite.urlOf(suite.nodeId) + "/job-definition/" + job.jobId(),
        "-H", "Content-Type: application/json", "-d", "@spec/job-definition-request.json").status()).isEqualTo(401);

    String session = scopedSession(alice, job.jobId());
    Curl.Reply sent = curlSendDefinition(job.jobId(), session);
    assertThat(sent.status()).as(sent.body()).isEqualTo(200);
    assertThat(sent.body()).isEqualTo("{\"jobId\":\"" + job.jobId() + "\",\"status\":\"accepted\"}");

    assertThat(awaitEnd(job.jobId()).state()).isEqualTo(JobState.COMPLETED);
    // The definition never became public; what it printed did, since this job's receive is public.
    assertThat(market.record(job.jobId()).definition().ops()).isEmpty();
    assertThat(market.recordText(job.jobId())).doesNotContain("echo hello world").doesNotContain(session);
    assertThat(market.resultText(job.jobId())).contains("hello world").doesNotContain("echo hello world").doesNotContain("ubuntu");
    assertThat(curlSendDefinition(job.jobId(), session).status()).as("a second definition").isIn(404, 409);
    assertThat(suite.allLogText()).doesNotContain(session);
  }

  @Test
  void privateSendAndReceiveWithCurl() throws Exception {
    JobRecord job = market.post(alice, VeilJson.readJobFile(spec("private-send-receive-template.json")), 600L);
    awaitHostStatus(job.jobId(), JobStatus.WAITING_FOR_JOB_DEFINITION);
    String session = scopedSession(alice, job.jobId());

    Curl.Reply early = curlGet("/job-result/" + job.jobId(), session);
    assertThat(early.status()).isEqualTo(409);
    assertThat(early.contentType()).isEqualTo("application/problem+json");

    assertThat(curlSendDefinition(job.jobId(), session).status()).isEqualTo(200);
    awaitHostStatus(job.jobId(), JobStatus.WAITING_FOR_RESULT);

    Curl.Reply collected = curlGet("/job-result/" + job.jobId(), session);
    assertThat(collected.status()).isEqualTo(200);
    FlowState full = VeilJson.readStrict(collected.body().getBytes(), FlowState.class);
    assertThat(full.status()).isEqualTo(JobStatus.SUCCESS);
    assertThat(full.opStates().get(0).logs()).anyMatch(l -> l.log().equals("hello world"));

    assertThat(awaitEnd(job.jobId()).state()).isEqualTo(JobState.COMPLETED);
    FlowState published = VeilJson.readStrict(market.resultText(job.jobId()).getBytes(), FlowState.class);
    assertThat(published.status()).isEqualTo(JobStatus.SUCCESS);
    assertThat(published.opStates()).isEmpty();
    assertThat(market.resultText(job.jobId())).doesNotContain("hello world");
    assertThat(market.recordText(job.jobId())).doesNotContain("hello world");
    assertThat(curlGet("/job-result/" + job.jobId(), session).status()).as("served once").isEqualTo(410);
    assertThat(suite.allLogText()).doesNotContain(session);
  }

  @Test
  void privateReceiveWithCurl() throws Exception {
    // The seed's receive template with one op filled in (as written, its ops are empty). Its
    // definition is public; what it prints, "hello private 42", appears nowhere in it.
    String template = spec("private-receive-template.json").replace("\"ops\": []",
        "\"ops\": [{\"type\": \"container/run\", \"id\": \"hello-world\", \"args\": {\"cmd\": \"echo hello private $((6*7))\", \"image\": \"ubuntu\"}}]");
    JobRecord job = market.post(alice, VeilJson.readJobFile(template), 600L);
    awaitHostStatus(job.jobId(), JobStatus.WAITING_FOR_RESULT);

    assertThat(curlGet("/job-result/" + job.jobId(), scopedSession(bob, job.jobId())).status()).isEqualTo(404);
    Curl.Reply collected = curlGet("/job-result/" + job.jobId(), scopedSession(alice, job.jobId()));
    assertThat(collected.status()).isEqualTo(200);
    assertThat(collected.body()).contains("hello private 42");

    assertThat(awaitEnd(job.jobId()).state()).isEqualTo(JobState.COMPLETED);
    assertThat(market.resultText(job.jobId())).doesNotContain("hello private 42");
    assertThat(market.recordText(job.jobId())).doesNotContain("hello private 42");
    assertThat(suite.allLogText()).doesNotContain("hello private 42");
  }

  @Test
  void privateExposeWithCurl() throws Exception {
    JobRecord job = market.post(alice, VeilJson.readJobFile(spec("private-expose-job.json")), 600L);
    String session = scopedSession(alice, job.jobId());

    ServiceUrls found = ClientWaits.onlineUrls(() -> curlGet("/service/url/" + job.jobId(), session));
    assertThat(found.urls()).hasSize(1);
    String serviceId = found.urls().keySet().iterator().next();
    assertThat(serviceId).isNotEqualTo(ExposeIds.publicId(0, 80, job.jobId()));
    assertThat(found.urls().get(serviceId).port()).isEqualTo(80);
    assertThat(found.urls().get(serviceId).url()).isEqualTo(suite.urlOf(serviceId));

    Curl.Reply page = Curl.run(suite.urlOf(serviceId) + "/");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.body()).contains("Welcome to");
    assertThat(market.recordText(job.jobId())).doesNotContain(serviceId);
    assertThat(curlGet("/service/url/" + job.jobId(), scopedSession(bob, job.jobId())).status()).isEqualTo(404);

    assertThat(market.stop(alice, job.jobId())).isEqualTo(200);
    assertThat(awaitEnd(job.jobId()).state()).isEqualTo(JobState.STOPPED);
    // Once the job has ended its URL answers nothing: the route is withdrawn, not just the container gone.
    await().until(() -> Curl.run(suite.urlOf(serviceId) + "/").status() == 404);
    assertThat(market.recordText(job.jobId())).doesNotContain(serviceId);
    assertThat(market.resultText(job.jobId())).doesNotContain(serviceId);
    assertThat(suite.allLogText()).doesNotContain(serviceId).doesNotContain(session);
  }

  // --- the same flows through the CLI, as a user types them

  static tools.jackson.databind.JsonNode json(LocalSuite.Run run) {
    assertThat(run.exitCode()).as(run.toString()).isZero();
    return VeilJson.lenient().readTree(run.out());
  }

  @Test
  void privateSendWithTheCli() throws Exception {
    LocalSuite.Run run = suite.veil("job", "post", "--file", "spec/private-send-template.json", "--wait",
        "--definition", "spec/job-definition-request.json", "--json");

    var end = json(run);
    assertThat(end.path("state").asString()).isEqualTo("COMPLETED");
    assertThat(end.path("nodeId").asString()).isEqualTo(suite.nodeId);
    assertThat(run.err()).contains("sent the private definition, sealed, to " + suite.nodeId);
    String jobId = end.path("jobId").asString();
    assertThat(market.record(jobId).definition().ops()).isEmpty();
    assertThat(market.resultText(jobId)).contains("hello world");
  }

  @Test
  void privateSendAndReceiveWithTheCliKeepsTheResultPrivate() throws Exception {
    Path resultFile = suite.state.resolve("results/send-receive.json");

    LocalSuite.Run run = suite.veil("job", "post", "--file", "spec/private-send-receive-template.json", "--wait",
        "--definition", "spec/job-definition-request.json", "--result-out", resultFile.toString(), "--json");

    String jobId = json(run).path("jobId").asString();
    assertThat(json(run).path("state").asString()).isEqualTo("COMPLETED");
    // The CLI had the result sealed to its own key, and opened it.
    assertThat(market.record(jobId).definition().resultRecipient()).isNotNull();
    FlowState full = VeilJson.readStrict(Files.readAllBytes(resultFile), FlowState.class);
    assertThat(full.opStates().get(0).logs()).anyMatch(l -> l.log().equals("hello world"));
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(resultFile)))
        .isEqualTo("rw-------");
    assertThat(market.resultText(jobId)).doesNotContain("hello world");

    // Served once: asking again is "not now", exit 6.
    assertThat(suite.veil("job", "result", jobId).exitCode()).isEqualTo(6);
  }

  @Test
  void aCliSessionWithTheSeedsCurl() throws Exception {
    String jobId = json(suite.veil("job", "post", "--file", "spec/private-send-template.json", "--json")).path("jobId").asString();
    awaitHostStatus(jobId, JobStatus.WAITING_FOR_JOB_DEFINITION);
    var status = json(suite.veil("job", "status", jobId, "--json"));
    assertThat(status.path("state").asString()).isEqualTo("RUNNING");
    assertThat(status.path("nodeId").asString()).isEqualTo(suite.nodeId);
    assertThat(status.path("hostStatus").asString()).isEqualTo("waiting-for-job-definition");
    // NODE_ID=$(./veil job status $JOB_ID --field nodeId)
    assertThat(suite.veil("job", "status", jobId, "--field", "nodeId").out().strip()).isEqualTo(suite.nodeId);

    // SESSION_ID=$(./veil session create --job $JOB_ID --node $NODE_ID)
    LocalSuite.Run created = suite.veil("session", "create", "--job", jobId, "--node", suite.nodeId);
    assertThat(created.exitCode()).as(created.toString()).isZero();
    String session = created.out().strip();
    assertThat(session).matches("[1-9A-HJ-NP-Za-km-z]{40,}");

    assertThat(curlSendDefinition(jobId, session).status()).isEqualTo(200);
    assertThat(awaitEnd(jobId).state()).isEqualTo(JobState.COMPLETED);
    assertThat(json(suite.veil("job", "status", jobId, "--json")).path("resultId").asString()).isNotBlank();

    // A revoked session is refused as soon as the host hears of it on session-service's revocation
    // feed (milliseconds: the host had kept it, validated, when it took the definition).
    assertThat(suite.veil("session", "revoke", session).exitCode()).isZero();
    await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20))
        .until(() -> curlGet("/service/url/" + jobId, session).status() == 401);
  }

  @Test
  void privateExposeWithTheCli() throws Exception {
    String jobId = json(suite.veil("job", "post", "--file", "spec/private-expose-job.json", "--json")).path("jobId").asString();

    AtomicReference<tools.jackson.databind.JsonNode> urls = new AtomicReference<>();
    await().atMost(Duration.ofMinutes(2)).until(() -> {
      LocalSuite.Run run = suite.veil("job", "urls", jobId, "--json");
      if (run.exitCode() != 0) {
        return false;
      }
      urls.set(VeilJson.lenient().readTree(run.out()));
      return "ONLINE".equals(urls.get().path("status").asString());
    });
    var only = urls.get().path("urls").properties().iterator().next();
    String serviceId = only.getKey();
    assertThat(only.getValue().path("url").asString()).isEqualTo(suite.urlOf(serviceId));

    assertThat(Curl.run(suite.urlOf(serviceId) + "/").status()).isEqualTo(200);
    assertThat(suite.veil("job", "status", jobId, "--json").out()).doesNotContain(serviceId);

    LocalSuite.Run stop = suite.veil("job", "stop", jobId);
    assertThat(stop.exitCode()).as(stop.toString()).isZero();
    assertThat(awaitEnd(jobId).state()).isEqualTo(JobState.STOPPED);
    await().until(() -> Curl.run(suite.urlOf(serviceId) + "/").status() == 404);
    assertThat(market.resultText(jobId)).doesNotContain(serviceId);
  }

  @Test
  void anOwnerOnlyServiceOpensInABrowserFromTheCliLinkAndForNoOneElse() throws Exception {
    Path job = suite.state.resolve("owner-only-expose-job.json");
    Files.writeString(job, Files.readString(LocalSuite.HOME.resolve("spec/private-expose-job.json"))
        .replace("\"private\": true,", "\"private\": true, \"access\": \"owner\","));
    String jobId = json(suite.veil("job", "post", "--file", job.toString(), "--json")).path("jobId").asString();
    await().atMost(Duration.ofMinutes(2)).until(() -> {
      LocalSuite.Run run = suite.veil("job", "urls", jobId, "--json");
      return run.exitCode() == 0 && "ONLINE".equals(VeilJson.lenient().readTree(run.out()).path("status").asString());
    });
    LocalSuite.Run human = suite.veil("job", "urls", jobId);
    java.util.regex.Matcher link = java.util.regex.Pattern.compile("owner only; open, for 12 h: (\\S+)").matcher(human.out());
    assertThat(link.find()).as(human.toString()).isTrue();
    String url = link.group(1);
    String serviceUrl = url.substring(0, url.indexOf("/?veil-session="));

    await().atMost(Duration.ofSeconds(30)).until(() -> Curl.run(serviceUrl + "/").status() == 401);
    Path jar = suite.state.resolve("owner-only-cookies.txt");
    // As a browser: the link sets the cookie and sends it back without the session in the URL.
    Curl.Reply opened = Curl.run("-L", "-c", jar.toString(), "-b", jar.toString(), url);
    assertThat(opened.status()).isEqualTo(200);
    assertThat(Curl.run("-b", jar.toString(), serviceUrl + "/").status()).isEqualTo(200);
    assertThat(Curl.run(serviceUrl + "/").status()).isEqualTo(401);

    assertThat(suite.veil("job", "stop", jobId).exitCode()).isZero();
    assertThat(awaitEnd(jobId).state()).isEqualTo(JobState.STOPPED);
  }

  @Test
  void theCliExitCodesAScriptRelyOn() throws Exception {
    assertThat(suite.veil("job", "status", dev.veil.model.id.RandomIds.next()).exitCode()).as("not found").isEqualTo(3);
    assertThat(suite.veil("job", "post").exitCode()).as("usage").isEqualTo(2);
    assertThat(suite.veil("session", "revoke", dev.veil.model.id.RandomIds.next()).exitCode()).as("denied").isEqualTo(4);

    // The receive template as the seed writes it has no ops: a job that runs nothing is refused.
    LocalSuite.Run empty = suite.veil("job", "post", "--file", "spec/private-receive-template.json");
    assertThat(empty.exitCode()).as(empty.toString()).isEqualTo(5);
    assertThat(empty.err()).contains("/ops");

    // Someone else's job is "not found" to another key, exactly like a job that does not exist.
    String jobId = json(suite.veil("job", "post", "--file", "spec/private-send-receive-template.json", "--json"))
        .path("jobId").asString();
    awaitHostStatus(jobId, JobStatus.WAITING_FOR_JOB_DEFINITION);
    LocalSuite.Run stranger = suite.veil("--key", suite.state.resolve("stranger.key").toString(),
        "job", "send-definition", jobId, "--file", "spec/job-definition-request.json");
    assertThat(stranger.exitCode()).as(stranger.toString()).isEqualTo(3);

    assertThat(suite.veil("job", "stop", jobId).exitCode()).isZero();
    assertThat(awaitEnd(jobId).state()).isEqualTo(JobState.STOPPED);
  }
}
