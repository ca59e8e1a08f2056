package dev.veil.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.agent.identity.NodeIdentity;
import dev.veil.model.auth.Ed25519;
import dev.veil.model.json.VeilJson;
import dev.veil.model.market.JobRecord;
import dev.veil.model.result.FlowState;
import dev.veil.model.result.JobLogLine;
import dev.veil.model.result.JobStatus;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.Stream;
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
 * The owner's live log ({@code GET /job-logs/{jobId}}) with real containers printing, a real
 * market, session-service and gateway: every line once and in order across dropped connections,
 * a reader that stalls, curl through the gateway's tunnel, and only the owner; and Nosana's
 * {@code POST /job/{id}/stop}.
 */
@RequiresContainerEngine
@Testcontainers
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
class LiveLogsIT {

  @Container
  static final GenericContainer<?> redis = RedisContainers.redis();

  static Suite suite;
  static final int AGENT_PORT = RedisContainers.freePort();
  static final String AGENT = "http://127.0.0.1:" + AGENT_PORT;

  @DynamicPropertySource
  static void network(DynamicPropertyRegistry registry) throws Exception {
    suite = new Suite(redis);
    suite.agentProperties(registry, AGENT_PORT, "veil.agent.live-logs.keep-alive", "PT1S");
  }

  @AfterAll
  static void stopNetwork() {
    suite.close();
  }

  @Autowired
  NodeIdentity node;

  @Autowired
  MeterRegistry meters;

  final KeyPair alice = Ed25519.generate();
  final KeyPair bob = Ed25519.generate();

  /** One server-sent event. */
  record Event(Long id, String type, String data) {
    JobLogLine line() {
      return VeilJson.readStrict(data.getBytes(StandardCharsets.UTF_8), JobLogLine.class);
    }
  }

  /** A job of one op running {@code script} in the shell, its definition sent privately, its result received privately. */
  JobRecord privateJob(String script, String session) throws Exception {
    JobRecord job = suite.post(alice, Suite.job(Suite.specText("private-send-receive-template.json")), null);
    awaitHostStatus(job.jobId(), JobStatus.WAITING_FOR_JOB_DEFINITION);
    Map<String, Object> definition = Map.of("jobDefinition", Map.of("version", "0.1", "type", "container",
        "ops", List.of(Map.of("type", "container/run", "id", "printer",
            "args", Map.of("image", "ubuntu", "cmd", List.of("sh", "-c", script))))));
    HttpResponse<String> sent = suite.sendDefinition(AGENT_PORT, job.jobId(), session(session, job),
        new String(VeilJson.write(definition), StandardCharsets.UTF_8));
    assertThat(sent.statusCode()).as(sent.body()).isEqualTo(200);
    return job;
  }

  private String session(String given, JobRecord job) {
    return given != null ? given : scoped(alice, job.jobId());
  }

  String scoped(KeyPair owner, String jobId) {
    return suite.login.login(owner, jobId, node.nodeId()).sessionId();
  }

  void awaitHostStatus(String jobId, JobStatus status) {
    Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> suite.record(jobId).hostStatus() == status);
  }

  HttpResponse<Stream<String>> open(String jobId, String session, String lastEventId, String query) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(AGENT + "/job-logs/" + jobId + (query == null ? "" : "?" + query)))
        .header("x-session-id", session);
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId);
    }
    return suite.http.send(request.build(), HttpResponse.BodyHandlers.ofLines());
  }

  /** Reads events until {@code enough} says so or the stream ends, then drops the connection. */
  static List<Event> read(HttpResponse<Stream<String>> response, Predicate<List<Event>> enough) {
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
    List<Event> events = new ArrayList<>();
    try (Stream<String> lines = response.body()) {
      Iterator<String> it = lines.iterator();
      Long id = null;
      String type = null;
      String data = null;
      while (it.hasNext()) {
        String line = it.next();
        if (line.startsWith("id: ")) {
          id = Long.parseLong(line.substring(4));
        } else if (line.startsWith("event: ")) {
          type = line.substring(7);
        } else if (line.startsWith("data: ")) {
          data = line.substring(6);
        } else if (line.isEmpty() && type != null) {
          events.add(new Event(id, type, data));
          id = null;
          type = null;
          data = null;
          if (enough.test(events)) {
            break;
          }
        }
      }
    }
    return events;
  }

  static long logEvents(List<Event> events) {
    return events.stream().filter(e -> e.type().equals("log")).count();
  }

  static Event last(List<Event> events) {
    return events.get(events.size() - 1);
  }

  @Test
  void aHundredThousandLinesFollowedAndResumedTwiceArriveEachExactlyOnceInOrder() throws Exception {
    String session = null;
    // Ten batches of 10,000 lines; after the third, 3 s apart, so the job still runs (about 20 s more)
    // when the first read has taken its 30,000 lines, however slowly a loaded machine reads them
    // (with 1 s throughout, a CI run once read them only after the job had ended).
    JobRecord job = privateJob(
        "for k in 0 1 2 3 4 5 6 7 8 9; do seq $((k*10000+1)) $((k*10000+10000)); sleep $((k < 2 ? 1 : 3)); done", session);
    session = scoped(alice, job.jobId());

    List<Event> all = new ArrayList<>();
    // Dropped after 30,000 lines, twice, while the job prints.
    all.addAll(read(open(job.jobId(), session, null, null), events -> logEvents(events) >= 30_000));
    assertThat(suite.record(job.jobId()).hostStatus()).as("read while the job runs").isEqualTo(JobStatus.RUNNING);
    all.addAll(read(open(job.jobId(), session, Long.toString(last(all).id()), null), events -> logEvents(events) >= 30_000));
    // The rest once the job has ended and its result is held, resumed by ?from= this time.
    awaitHostStatus(job.jobId(), JobStatus.WAITING_FOR_RESULT);
    all.addAll(read(open(job.jobId(), session, null, "from=" + last(all).id()), events -> false));

    List<Event> lines = all.stream().filter(e -> e.type().equals("log")).toList();
    assertThat(lines).hasSize(100_000);
    for (int i = 0; i < lines.size(); i++) {
      Event event = lines.get(i);
      assertThat(event.id()).isEqualTo(i + 1L);
      JobLogLine line = event.line();
      assertThat(line.log()).isEqualTo(Integer.toString(i + 1));
      assertThat(line.opId()).isEqualTo("printer");
      assertThat(line.type()).isEqualTo("stdout");
    }
    Event end = last(all);
    assertThat(end.type()).isEqualTo("end");
    assertThat(end.data()).isEqualTo("{\"status\":\"success\",\"lines\":100000}");

    // Not following: what exists, then the end.
    List<Event> tail = read(open(job.jobId(), session, "99998", "follow=false"), events -> false);
    assertThat(tail).extracting(Event::type).containsExactly("log", "log", "end");

    // Collected, the result has every line too; what is published has none, and the log is gone from the host.
    HttpResponse<String> result = suite.agentGet(AGENT_PORT, "/job-result/" + job.jobId(), session);
    assertThat(result.statusCode()).isEqualTo(200);
    assertThat(VeilJson.readStrict(result.body().getBytes(), FlowState.class).opStates().get(0).logs()).hasSize(100_000);
    FlowState published = suite.awaitResult(job.jobId(), Duration.ofSeconds(60));
    assertThat(published.opStates()).isEmpty();
    assertThat(suite.publishedBytes(job.jobId())).doesNotContain("99999");
    HttpResponse<Stream<String>> gone = open(job.jobId(), session, null, null);
    assertThat(gone.statusCode()).isEqualTo(410);
    gone.body().close();
  }

  @Test
  void aReaderThatStallsHoldsTheAgentToABatchAndThenGetsEveryLine() throws Exception {
    String pad = "x".repeat(1000);
    JobRecord job = privateJob("seq 1 60000 | sed \"s/$/ " + pad + "/\"", null);
    String session = scoped(alice, job.jobId());
    double before = meters.get("veil.agent.logs.lines.read").counter().count();
    HttpResponse<java.io.InputStream> stalled = suite.http.send(HttpRequest.newBuilder(URI.create(AGENT + "/job-logs/" + job.jobId()))
        .header("x-session-id", session).build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(stalled.statusCode()).isEqualTo(200);
    // The job prints its 60 MB and ends while the reader reads nothing.
    awaitHostStatus(job.jobId(), JobStatus.WAITING_FOR_RESULT);
    Thread.sleep(2000);
    double readWhileStalled = meters.get("veil.agent.logs.lines.read").counter().count() - before;
    // What sockets hold (a few MB each side) and a batch; never the whole log.
    assertThat(readWhileStalled).isLessThan(40_000);

    long expected = 1;
    String endData = null;
    try (BufferedReader in = new BufferedReader(new InputStreamReader(stalled.body(), StandardCharsets.UTF_8))) {
      String line;
      String event = null;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.startsWith("id: ")) {
          assertThat(Long.parseLong(line.substring(4))).isEqualTo(expected);
        } else if (line.startsWith("data: ") && "log".equals(event)) {
          JobLogLine logLine = VeilJson.readStrict(line.substring(6).getBytes(StandardCharsets.UTF_8), JobLogLine.class);
          assertThat(logLine.log()).isEqualTo(expected + " " + pad);
          expected++;
        } else if (line.startsWith("data: ") && "end".equals(event)) {
          endData = line.substring(6);
        }
      }
    }
    assertThat(expected - 1).isEqualTo(60_000);
    assertThat(endData).isEqualTo("{\"status\":\"success\",\"lines\":60000}");
  }

  @Test
  void curlPrintsTheLinesLiveThroughTheGatewaysTunnel() throws Exception {
    JobRecord job = privateJob("echo first; sleep 6; echo second", null);
    String session = scoped(alice, job.jobId());
    Awaitility.await().atMost(Duration.ofSeconds(30))
        .until(() -> suite.viaGateway(node.nodeId(), "/job-logs/" + job.jobId()).status() == 401);
    Process curl = new ProcessBuilder("curl", "-sN", "-H", "Host: " + node.nodeId() + ".node.localhost",
        "-H", "x-session-id: " + session, suite.gateway.baseUrl() + "/job-logs/" + job.jobId())
        .redirectErrorStream(true).start();
    List<String> out = new CopyOnWriteArrayList<>();
    List<JobStatus> statusAtFirst = new CopyOnWriteArrayList<>();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(curl.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        out.add(line);
        if (line.contains("\"log\":\"first\"") && statusAtFirst.isEmpty()) {
          statusAtFirst.add(suite.record(job.jobId()).hostStatus());
        }
      }
    }
    assertThat(curl.waitFor()).isZero();
    assertThat(statusAtFirst).as("the first line came while the job still ran").containsExactly(JobStatus.RUNNING);
    assertThat(out).contains("event: end", "data: {\"status\":\"success\",\"lines\":2}");
    // Idle for seconds between the lines (keep-alive is 1 s here): comments keep the stream alive.
    assertThat(out).contains(": keep-alive");
    assertThat(out.stream().filter(l -> l.startsWith("data: {\"opId\"")).toList()).hasSize(2);
  }

  @Test
  void onlyTheOwnerReadsTheLogAndBadPositionsAreRefused() throws Exception {
    JobRecord job = privateJob("echo secret-line; sleep 3", null);
    String session = scoped(alice, job.jobId());
    HttpRequest.Builder base = HttpRequest.newBuilder(URI.create(AGENT + "/job-logs/" + job.jobId()));
    assertThat(suite.http.send(base.build(), HttpResponse.BodyHandlers.ofString()).statusCode()).as("no session").isEqualTo(401);
    HttpResponse<String> other = suite.http.send(HttpRequest.newBuilder(URI.create(AGENT + "/job-logs/" + job.jobId()))
        .header("x-session-id", scoped(bob, job.jobId())).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(other.statusCode()).as("another owner's session").isEqualTo(404);
    assertThat(other.body()).doesNotContain("secret-line");
    HttpResponse<String> bad = suite.http.send(HttpRequest.newBuilder(URI.create(AGENT + "/job-logs/" + job.jobId()))
        .header("x-session-id", session).header("Last-Event-ID", "twelve").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    HttpResponse<String> badFollow = suite.http.send(HttpRequest.newBuilder(URI.create(AGENT + "/job-logs/" + job.jobId() + "?follow=maybe"))
        .header("x-session-id", session).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(badFollow.statusCode()).isEqualTo(400);
    List<Event> events = read(open(job.jobId(), session, null, null), e -> false);
    assertThat(events).extracting(Event::type).containsExactly("log", "end");
    assertThat(events.get(0).line().log()).isEqualTo("secret-line");
  }

  @Test
  void theOwnerStopsTheJobAtTheHostOnNosanasRoute() throws Exception {
    JobRecord job = privateJob("echo started; sleep 120", null);
    String session = scoped(alice, job.jobId());
    awaitHostStatus(job.jobId(), JobStatus.RUNNING);
    assertThat(post("/job/" + job.jobId() + "/stop", null).statusCode()).as("no session").isEqualTo(401);
    assertThat(post("/job/" + job.jobId() + "/stop", scoped(bob, job.jobId())).statusCode()).as("another owner").isEqualTo(404);
    HttpResponse<String> stopped = post("/job/" + job.jobId() + "/stop", session);
    assertThat(stopped.statusCode()).as(stopped.body()).isEqualTo(200);
    assertThat(stopped.body()).isEqualTo("{\"jobId\":\"" + job.jobId() + "\",\"status\":\"stopping\"}");
    List<Event> events = read(open(job.jobId(), session, null, null), e -> false);
    assertThat(last(events).data()).startsWith("{\"status\":\"stopped\"");
    awaitHostStatus(job.jobId(), JobStatus.WAITING_FOR_RESULT);
    assertThat(post("/job/" + job.jobId() + "/stop", session).statusCode()).as("its run is over").isEqualTo(409);
    FlowState result = VeilJson.readStrict(suite.agentGet(AGENT_PORT, "/job-result/" + job.jobId(), session).body().getBytes(),
        FlowState.class);
    assertThat(result.status()).isEqualTo(JobStatus.STOPPED);
    assertThat(result.errors()).contains("stopped by its owner");
  }

  HttpResponse<String> post(String path, String session) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(AGENT + path)).POST(HttpRequest.BodyPublishers.noBody());
    if (session != null) {
      request.header("x-session-id", session);
    }
    return suite.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
