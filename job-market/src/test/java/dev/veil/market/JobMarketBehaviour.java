package dev.veil.market;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.auth.Ed25519;
import dev.veil.model.auth.NodeRequestSignature;
import dev.veil.model.id.RandomIds;
import dev.veil.model.json.CanonicalJson;
import dev.veil.model.json.VeilJson;
import dev.veil.model.job.JobDefinition;
import dev.veil.model.market.HeartbeatRequest;
import dev.veil.model.market.HeartbeatResponse;
import dev.veil.model.market.JobRecord;
import dev.veil.model.market.JobState;
import dev.veil.model.market.PostJobRequest;
import dev.veil.model.market.ResultReceipt;
import dev.veil.model.result.FlowState;
import dev.veil.model.result.JobStatus;
import dev.veil.model.result.LogEntry;
import dev.veil.model.result.OpState;
import dev.veil.model.result.OpStatus;
import dev.veil.testsupport.ServiceProcess;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import reactor.core.publisher.Flux;

/**
 * The market against real Redis and the real session-service, running as its own process: on one
 * Redis server ({@link JobMarketIT}) or a three-primary cluster ({@link JobMarketOnClusterIT}),
 * the same tests.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "veil.market.lease=PT30S", "veil.market.reaper-interval=PT1S",
    // These tests move the clock past leases; the grace after a start or a stall is ReapGraceTest's and the agent's.
    "veil.market.reap-grace=PT0S"})
@Import(TestClockConfig.class)
abstract class JobMarketBehaviour extends MarketClients {

  static ServiceProcess sessionService;

  @AfterAll
  static void stopSessionService() {
    sessionService.close();
  }

  @Override
  String sessionServiceUrl() {
    return sessionService.baseUrl();
  }

  /** The store the market runs on, as a test reads it. */
  abstract RedisClusterCommands<String, String> redis();

  /** How many clients listen on {@code channel}, across the whole store. */
  abstract long subscribers(String channel);

  static JobDefinition spec(String name) throws Exception {
    return VeilJson.readJobFile(Files.readString(Path.of("..", "spec", name)));
  }

  /** Claims jobs until the one wanted comes (earlier tests may have left queued jobs behind). */
  static JobRecord claim(NodeApi node, String jobId) {
    for (int i = 0; i < 100; i++) {
      JobRecord claimed = node.send(HttpMethod.POST, "/v1/claims?waitSeconds=1", null).expectStatus().isOk()
          .expectBody(JobRecord.class).returnResult().getResponseBody();
      if (claimed.jobId().equals(jobId)) {
        return claimed;
      }
    }
    throw new AssertionError("job " + jobId + " never claimed");
  }

  static FlowState result(JobStatus status, String log) {
    return new FlowState(status, 1000L, 2000L, List.of(), List.of(new OpState("hello-world", "hello-world", OpStatus.SUCCESS,
        1100L, 1900L, 0, List.of(new LogEntry("stdout", log, 1500L)), Map.of(), List.of(), Map.of())));
  }

  @Test
  void anAbuserGuessingSessionsAtFullRateNeverTurnsAnotherUsersPostsInto429s() throws Exception {
    JobDefinition definition = spec("public-job.json");
    String session = login.sessionId(alice);
    // The gateway appends each client's address; the market passes it on with every look-up.
    for (int i = 0; i < 40; i++) {
      http.post().uri("/v1/jobs").header("x-session-id", RandomIds.next()).header("X-Forwarded-For", "203.0.113.7")
          .contentType(MediaType.APPLICATION_JSON).bodyValue(new PostJobRequest(definition, null))
          .exchange().expectStatus().value(status -> assertThat(status).isIn(401, 429));
    }
    http.post().uri("/v1/jobs").header("x-session-id", session).header("X-Forwarded-For", "203.0.113.7")
        .contentType(MediaType.APPLICATION_JSON).bodyValue(new PostJobRequest(definition, null))
        .exchange().expectStatus().isEqualTo(429);
    http.post().uri("/v1/jobs").header("x-session-id", session).header("X-Forwarded-For", "198.51.100.9")
        .contentType(MediaType.APPLICATION_JSON).bodyValue(new PostJobRequest(definition, null))
        .exchange().expectStatus().isCreated();
  }

  @Test
  void postClaimCompleteAndThePublicResultIsReadable() throws Exception {
    JobRecord posted = posted(alice, spec("public-job.json"));
    assertThat(posted.state()).isEqualTo(JobState.QUEUED);
    assertThat(RandomIds.isWellFormed(posted.jobId())).isTrue();
    assertThat(posted.owner()).isEqualTo(Ed25519.id(alice.getPublic()));
    assertThat(posted.timeoutSeconds()).isEqualTo(3600);

    NodeApi node = node();
    JobRecord claimed = claim(node, posted.jobId());
    assertThat(claimed.state()).isEqualTo(JobState.RUNNING);
    assertThat(claimed.nodeId()).isEqualTo(node.id());
    assertThat(claimed.definition()).isEqualTo(spec("public-job.json"));

    node.send(HttpMethod.POST, "/v1/jobs/" + posted.jobId() + "/heartbeat", new HeartbeatRequest(JobStatus.RUNNING))
        .expectStatus().isOk().expectBody(HeartbeatResponse.class)
        .value(beat -> assertThat(beat).isEqualTo(new HeartbeatResponse(false, 30)));
    assertThat(job(posted.jobId()).hostStatus()).isEqualTo(JobStatus.RUNNING);

    String resultId = node.send(HttpMethod.POST, "/v1/jobs/" + posted.jobId() + "/result", result(JobStatus.SUCCESS, "hello world"))
        .expectStatus().isCreated().expectBody(ResultReceipt.class).returnResult().getResponseBody().resultId();

    JobRecord done = job(posted.jobId());
    assertThat(done.state()).isEqualTo(JobState.COMPLETED);
    assertThat(done.resultId()).isEqualTo(resultId);
    assertThat(done.hostStatus()).isEqualTo(JobStatus.SUCCESS);
    byte[] stored = http.get().uri("/v1/results/{id}", resultId).exchange().expectStatus().isOk()
        .expectBody().returnResult().getResponseBody();
    assertThat(new String(stored)).contains("\"log\":\"hello world\"");
    assertThat(resultId).isEqualTo("sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(stored)));
    assertThat(stored).isEqualTo(CanonicalJson.bytes(VeilJson.strict().valueToTree(result(JobStatus.SUCCESS, "hello world"))));
  }

  @Test
  void concurrentClaimsByManyHostsNeverDoubleClaim() throws Exception {
    List<String> posted = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      posted.add(posted(alice, spec("public-job.json")).jobId());
    }
    List<NodeApi> hosts = List.of(node(), node(), node(), node(), node(), node());
    Map<String, String> claimedBy = new ConcurrentHashMap<>();
    List<String> doubles = java.util.Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(hosts.size());
    CountDownLatch start = new CountDownLatch(1);
    List<java.util.concurrent.Future<Object>> workers = new ArrayList<>();
    for (NodeApi host : hosts) {
      workers.add(pool.submit(() -> {
        start.await();
        while (true) {
          var response = host.send(HttpMethod.POST, "/v1/claims?waitSeconds=0", null).returnResult(JobRecord.class);
          if (response.getStatus().value() == 204) {
            return null;
          }
          JobRecord job = response.getResponseBody().blockFirst();
          if (claimedBy.putIfAbsent(job.jobId(), host.id()) != null) {
            doubles.add(job.jobId());
          }
        }
      }));
    }
    start.countDown();
    pool.shutdown();
    for (var worker : workers) {
      worker.get(60, TimeUnit.SECONDS); // rethrows what a host's loop hit
    }

    assertThat(doubles).isEmpty();
    assertThat(claimedBy.keySet()).containsAll(posted);
    for (String jobId : posted) {
      assertThat(job(jobId).nodeId()).isEqualTo(claimedBy.get(jobId));
    }
  }

  @Test
  void aHostThatStopsHeartBeatingLosesItsJobToAnother() throws Exception {
    JobRecord posted = posted(alice, spec("public-job.json"));
    NodeApi dead = node();
    claim(dead, posted.jobId());

    clock.advance(Duration.ofSeconds(31));
    Awaitility.await().atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(job(posted.jobId()).state()).isEqualTo(JobState.QUEUED));
    assertThat(job(posted.jobId()).nodeId()).isNull();

    dead.send(HttpMethod.POST, "/v1/jobs/" + posted.jobId() + "/heartbeat", new HeartbeatRequest(JobStatus.RUNNING))
        .expectStatus().isNotFound();
    NodeApi alive = node();
    assertThat(claim(alive, posted.jobId()).nodeId()).isEqualTo(alive.id());
    dead.send(HttpMethod.POST, "/v1/jobs/" + posted.jobId() + "/result", result(JobStatus.SUCCESS, "late"))
        .expectStatus().isNotFound();
  }

  @Test
  void aClaimCutBetweenItsTwoStepsPutsTheJobBackInTheQueueALeaseLater() throws Exception {
    JobRecord posted = posted(alice, spec("public-job.json"));
    // What a claim's first step leaves when its market dies before the second: the job out of the
    // queue, in the claiming set, still QUEUED.
    var redis = redis();
    assertThat(redis.zrem("veil:{market}:queue", posted.jobId())).isEqualTo(1L);
    redis.zadd("veil:{market}:claiming", clock.millis(), posted.jobId());
    assertThat(redis.zscore("veil:{market}:queue", posted.jobId())).isNull();

    clock.advance(Duration.ofSeconds(31));

    Awaitility.await().atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(redis.zscore("veil:{market}:queue", posted.jobId())).isEqualTo((double) posted.createdAt()));
    assertThat(redis.zscore("veil:{market}:claiming", posted.jobId())).isNull();
    NodeApi host = node();
    assertThat(claim(host, posted.jobId()).nodeId()).isEqualTo(host.id());
    assertThat(redis.zscore("veil:{market}:claiming", posted.jobId())).as("a whole claim leaves nothing there").isNull();
  }

  @Test
  void anIdleHostWaitingInAClaimIsToldOfANewJob() throws Exception {
    NodeApi node = node();
    // Drain what earlier tests left, so the waiting claim can only be answered by the new job.
    while (node.send(HttpMethod.POST, "/v1/claims?waitSeconds=0", null).returnResult(JobRecord.class).getStatus().value() == 200) {
      // keep claiming
    }
    NodeRequestSignature signature = node.sign(HttpMethod.POST, "/v1/claims?waitSeconds=15", new byte[0]);
    var waiting = org.springframework.web.reactive.function.client.WebClient.create("http://localhost:" + port)
        .post().uri("/v1/claims?waitSeconds=15").headers(h -> signature.headers().forEach(h::add))
        .retrieve().bodyToMono(JobRecord.class).toFuture();
    // The claim is open and listening once the market subscribed it to the queue channel.
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> subscribers("veil:market:queued") > 0);
    String jobId = posted(alice, spec("public-job.json")).jobId();

    assertThat(waiting.get(20, TimeUnit.SECONDS).jobId()).isEqualTo(jobId);
  }

  @Test
  void theOwnerStopsAQueuedJobAtOnceAndARunningOneThroughItsHost() throws Exception {
    JobRecord queued = posted(alice, spec("public-job.json"));
    String session = login.sessionId(alice);
    http.post().uri("/v1/jobs/{id}/stop", queued.jobId()).header("x-session-id", session).exchange()
        .expectStatus().isOk().expectBody(JobRecord.class)
        .value(job -> assertThat(job.state()).isEqualTo(JobState.STOPPED));
    http.post().uri("/v1/jobs/{id}/stop", queued.jobId()).header("x-session-id", session).exchange()
        .expectStatus().isEqualTo(409);

    JobRecord running = posted(alice, spec("public-job.json"));
    NodeApi node = node();
    claim(node, running.jobId());
    http.post().uri("/v1/jobs/{id}/stop", running.jobId()).header("x-session-id", session).exchange()
        .expectStatus().isOk().expectBody(JobRecord.class)
        .value(job -> assertThat(job.stopRequested()).isTrue());
    node.send(HttpMethod.POST, "/v1/jobs/" + running.jobId() + "/heartbeat", new HeartbeatRequest(JobStatus.RUNNING))
        .expectBody(HeartbeatResponse.class).value(beat -> assertThat(beat.stopRequested()).isTrue());
    node.send(HttpMethod.POST, "/v1/jobs/" + running.jobId() + "/result", result(JobStatus.STOPPED, "stopped"))
        .expectStatus().isCreated();
    assertThat(job(running.jobId()).state()).isEqualTo(JobState.STOPPED);
  }

  @Test
  void otherOwnersAndMissingOrScopedSessionsAreRefused() throws Exception {
    JobRecord job = posted(alice, spec("public-job.json"));

    // Bob's job-stop on alice's job looks exactly like a stop on a job that does not exist.
    String bobs = login.sessionId(bob);
    byte[] other = http.post().uri("/v1/jobs/{id}/stop", job.jobId()).header("x-session-id", bobs).exchange()
        .expectStatus().isNotFound().expectBody().returnResult().getResponseBody();
    byte[] none = http.post().uri("/v1/jobs/{id}/stop", RandomIds.next()).header("x-session-id", bobs).exchange()
        .expectStatus().isNotFound().expectBody().returnResult().getResponseBody();
    assertThat(withoutInstance(other)).isEqualTo(withoutInstance(none));

    http.post().uri("/v1/jobs/{id}/stop", job.jobId()).exchange().expectStatus().isUnauthorized();
    http.post().uri("/v1/jobs").header("x-session-id", RandomIds.next()).contentType(MediaType.APPLICATION_JSON)
        .bodyValue(new PostJobRequest(spec("public-job.json"), null)).exchange().expectStatus().isUnauthorized()
        .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
    // A session scoped to one job cannot post new jobs.
    String scoped = login.login(alice, job.jobId(), null).sessionId();
    http.post().uri("/v1/jobs").header("x-session-id", scoped).contentType(MediaType.APPLICATION_JSON)
        .bodyValue(new PostJobRequest(spec("public-job.json"), null)).exchange().expectStatus().isUnauthorized();
    // ...but it can stop its own job.
    http.post().uri("/v1/jobs/{id}/stop", job.jobId()).header("x-session-id", scoped).exchange().expectStatus().isOk();
    assertThat(job(job.jobId()).state()).isEqualTo(JobState.STOPPED);
  }

  private static String withoutInstance(byte[] problem) {
    return new String(problem).replaceAll("\"instance\":\"[^\"]*\",?", "");
  }

  @Test
  void aPrivatelyReceivedResultIsPublishedOnlyEmpty() throws Exception {
    JobRecord posted = posted(alice, spec("private-send-receive-template.json"));
    NodeApi node = node();
    claim(node, posted.jobId());

    node.send(HttpMethod.POST, "/v1/jobs/" + posted.jobId() + "/result", result(JobStatus.SUCCESS, "secret output"))
        .expectStatus().isBadRequest()
        .expectBody().jsonPath("$.violations[0].path").isEqualTo("/opStates");
    assertThat(job(posted.jobId()).state()).isEqualTo(JobState.RUNNING);

    String resultId = node.send(HttpMethod.POST, "/v1/jobs/" + posted.jobId() + "/result",
            result(JobStatus.SUCCESS, "secret output").publicCopy())
        .expectStatus().isCreated().expectBody(ResultReceipt.class).returnResult().getResponseBody().resultId();
    http.get().uri("/v1/results/{id}", resultId).exchange().expectStatus().isOk()
        .expectBody().json("{\"status\":\"success\",\"startTime\":1000,\"endTime\":2000,\"errors\":[],\"opStates\":[]}", true);
  }

  JobRecord postWithKey(String session, String key, JobDefinition definition, int status) {
    return http.post().uri("/v1/jobs").header("x-session-id", session).header("Idempotency-Key", key)
        .contentType(MediaType.APPLICATION_JSON).bodyValue(new PostJobRequest(definition, null)).exchange()
        .expectStatus().isEqualTo(status).expectBody(JobRecord.class).returnResult().getResponseBody();
  }

  @Test
  void aPostRepeatedWithItsIdempotencyKeyMakesOneJobAndAnswersItAgain() throws Exception {
    String session = login.sessionId(alice);
    String key = UUID.randomUUID().toString();
    JobRecord first = postWithKey(session, key, spec("public-job.json"), 201);

    // The answer was lost (a timeout, a 503 after the store took too long): the client posts again, with its key.
    JobRecord again = postWithKey(login.sessionId(alice), "\"" + key + "\"", spec("public-job.json"), 201);

    assertThat(again.jobId()).isEqualTo(first.jobId());
    assertThat(again.createdAt()).isEqualTo(first.createdAt());
    // Without a key, or with a new one, every post is a new job.
    assertThat(postWithKey(session, UUID.randomUUID().toString(), spec("public-job.json"), 201).jobId()).isNotEqualTo(first.jobId());
    assertThat(posted(alice, spec("public-job.json")).jobId()).isNotEqualTo(first.jobId());
  }

  @Test
  void anIdempotencyKeyIsItsOwnersAndForOnePostOnly() throws Exception {
    String key = UUID.randomUUID().toString();
    JobRecord alices = postWithKey(login.sessionId(alice), key, spec("public-job.json"), 201);

    // Another owner's key of the same value is another key: nothing of Alice's is answered to Bob.
    JobRecord bobs = postWithKey(login.sessionId(bob), key, spec("public-job.json"), 201);
    assertThat(bobs.jobId()).isNotEqualTo(alices.jobId());
    assertThat(bobs.owner()).isNotEqualTo(alices.owner());

    // The key again with another job: refused, and nothing is made.
    long jobsBefore = redis().keys("veil:{market}:job:*").size();
    http.post().uri("/v1/jobs").header("x-session-id", login.sessionId(alice)).header("Idempotency-Key", key)
        .contentType(MediaType.APPLICATION_JSON).bodyValue(new PostJobRequest(spec("private-send-template.json"), null))
        .exchange().expectStatus().isEqualTo(422)
        .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
        .expectBody().jsonPath("$.detail").value(detail -> assertThat(detail.toString()).contains("Idempotency-Key"));
    assertThat(redis().keys("veil:{market}:job:*")).hasSize((int) jobsBefore);
    // A key that is no key: 400, naming the header.
    http.post().uri("/v1/jobs").header("x-session-id", login.sessionId(alice)).header("Idempotency-Key", "short")
        .contentType(MediaType.APPLICATION_JSON).bodyValue(new PostJobRequest(spec("public-job.json"), null))
        .exchange().expectStatus().isBadRequest()
        .expectBody().jsonPath("$.violations[0].path").isEqualTo("/headers/Idempotency-Key");
  }

  @Test
  void theMarketOnlyTakesPostableDefinitions() throws Exception {
    String session = login.sessionId(alice);
    // A receive-only template still needs its ops; a send template with ops would publish them.
    http.post().uri("/v1/jobs").header("x-session-id", session).contentType(MediaType.APPLICATION_JSON)
        .bodyValue(new PostJobRequest(spec("private-receive-template.json"), 999_999L)).exchange()
        .expectStatus().isBadRequest()
        .expectBody()
        .jsonPath("$.violations[*].path").isEqualTo(List.of("/definition/ops", "/timeoutSeconds"));
    http.post().uri("/v1/jobs").header("x-session-id", session).contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"definition\": " + new String(VeilJson.write(spec("public-job.json"))) + ", \"priority\": 1}").exchange()
        .expectStatus().isBadRequest().expectBody().jsonPath("$.pointer").isEqualTo("/priority");
    http.post().uri("/v1/jobs").header("x-session-id", session).contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"definition\": {").exchange()
        .expectStatus().isBadRequest().expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
    http.post().uri("/v1/jobs").header("x-session-id", session).contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"definition\": {\"meta\": \"" + "x".repeat(5 * 1024 * 1024) + "\"}}").exchange()
        .expectStatus().isEqualTo(413);
    http.get().uri("/v1/jobs/{id}", "not-a-job").exchange().expectStatus().isNotFound();
    http.get().uri("/v1/results/{id}", "sha256:" + "0".repeat(64)).exchange().expectStatus().isNotFound();
  }

  @Test
  void nodeEndpointsNeedAValidFreshUnreplayedSignature() {
    NodeApi node = node();
    http.post().uri("/v1/claims").exchange().expectStatus().isUnauthorized()
        .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);

    NodeRequestSignature signed = node.sign(HttpMethod.POST, "/v1/claims?waitSeconds=0", new byte[0]);
    node.send(HttpMethod.POST, "/v1/claims?waitSeconds=0", new byte[0], signed).expectStatus().value(s -> assertThat(s).isIn(200, 204));
    node.send(HttpMethod.POST, "/v1/claims?waitSeconds=0", new byte[0], signed).expectStatus().isUnauthorized();

    NodeRequestSignature forOtherPath = node.sign(HttpMethod.POST, "/v1/claims?waitSeconds=9", new byte[0]);
    node.send(HttpMethod.POST, "/v1/claims?waitSeconds=0", new byte[0], forOtherPath).expectStatus().isUnauthorized();

    NodeRequestSignature claimsAnother = new NodeRequestSignature(Ed25519.id(Ed25519.generate().getPublic()),
        signed.timestamp(), signed.nonce(), signed.signature());
    node.send(HttpMethod.POST, "/v1/claims?waitSeconds=0", new byte[0], claimsAnother).expectStatus().isUnauthorized();

    NodeApi unregistered = new NodeApi(http, clock);
    unregistered.send(HttpMethod.POST, "/v1/claims?waitSeconds=0", null).expectStatus().isEqualTo(409);
  }

  @Test
  void aNodeRecordSaysWhatTheNodeIsNeverWhereAndRoutesAreNotKeptHere() {
    NodeApi node = node();
    var redisCommands = redis();
    assertThat(redisCommands.hgetall("veil:registry:node:" + node.id()))
        .containsEntry("version", "test").containsEntry("capacity", "2").containsEntry("gpu", "false")
        .containsKey("lastSeen").doesNotContainKey("apiUrl");
    assertThat(redisCommands.pttl("veil:registry:node:" + node.id())).isBetween(1L, 60_000L);
    // An address in the registration is refused: the gateway reaches nodes only through their tunnels.
    node.send(HttpMethod.PUT, "/v1/nodes/self", Map.of("apiUrl", "http://127.0.0.1:8089", "version", "test"))
        .expectStatus().isBadRequest();
    node.send(HttpMethod.PUT, "/v1/nodes/self", Map.of("version", "test", "capacity", 0))
        .expectStatus().isBadRequest();
    // Its encryption key, signed by its node key, is kept and shown to anyone; one signed by another node is refused.
    byte[] x25519 = dev.veil.model.sealing.Hpke.publicKey(dev.veil.model.sealing.Hpke.newPrivateKey());
    var key = dev.veil.model.sealing.NodeEncryptionKey.signed(node.id(), node.key.getPrivate(), x25519);
    node.send(HttpMethod.PUT, "/v1/nodes/self", Map.of("version", "test", "encryptionKey", key)).expectStatus().isOk();
    http.get().uri("/v1/nodes/{id}", node.id()).exchange().expectStatus().isOk()
        .expectBody().jsonPath("$.encryptionKey.publicKey").isEqualTo(key.publicKey())
        .jsonPath("$.encryptionKey.signature").isEqualTo(key.signature());
    var forged = dev.veil.model.sealing.NodeEncryptionKey.signed(node.id(), Ed25519.generate().getPrivate(), x25519);
    node.send(HttpMethod.PUT, "/v1/nodes/self", Map.of("version", "test", "encryptionKey", forged)).expectStatus().isBadRequest();
    http.get().uri("/v1/nodes/{id}", RandomIds.next()).exchange().expectStatus().isNotFound();
    // The service-route API is gone: nothing a node sends names an upstream.
    node.send(HttpMethod.PUT, "/v1/nodes/self/services/" + RandomIds.next(),
            Map.of("jobId", RandomIds.next(), "upstream", "http://169.254.169.254"))
        .expectStatus().value(status -> assertThat(status).isIn(404, 405));
  }

  @Test
  void aClientFollowsAJobThroughServerSentEventsToItsEnd() throws Exception {
    JobRecord posted = posted(alice, spec("public-job.json"));
    Flux<ServerSentEvent<JobRecord>> stream = http.get().uri("/v1/jobs/{id}/events", posted.jobId())
        .accept(MediaType.TEXT_EVENT_STREAM).exchange().expectStatus().isOk()
        .returnResult(new ParameterizedTypeReference<ServerSentEvent<JobRecord>>() {}).getResponseBody();
    List<JobState> seen = java.util.Collections.synchronizedList(new ArrayList<>());
    var done = stream.filter(e -> e.data() != null).map(e -> e.data().state()).doOnNext(seen::add).then().toFuture();

    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains(JobState.QUEUED));
    NodeApi node = node();
    claim(node, posted.jobId());
    node.send(HttpMethod.POST, "/v1/jobs/" + posted.jobId() + "/result", result(JobStatus.SUCCESS, "hi")).expectStatus().isCreated();

    done.get(10, TimeUnit.SECONDS);
    assertThat(seen).containsSubsequence(JobState.QUEUED, JobState.RUNNING, JobState.COMPLETED);
    assertThat(seen.get(seen.size() - 1)).isEqualTo(JobState.COMPLETED);
  }

  @Test
  void healthAndMetrics() {
    http.get().uri("/actuator/health").exchange().expectStatus().isOk()
        .expectBody().jsonPath("$.components.redis.status").isEqualTo("UP");
    http.get().uri("/actuator/metrics/veil.market.jobs.queued").exchange().expectStatus().isOk();
    http.get().uri("/v3/api-docs").exchange().expectStatus().isOk()
        .expectBody().jsonPath("$.paths['/v1/claims'].post").exists();
  }
}
