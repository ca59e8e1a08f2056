package dev.veil.market;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.auth.Ed25519;
import dev.veil.model.market.JobRecord;
import dev.veil.model.market.JobState;
import dev.veil.model.market.ResultReceipt;
import dev.veil.model.result.JobStatus;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import dev.veil.testsupport.ServiceProcess;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * What the market lets one key store, and for how long: a quota of queued jobs per owner, a
 * queue time after which an unclaimed job ends {@code EXPIRED}, a retention after which a
 * finished job and its result are gone, and a lifetime on every key it writes.
 */
@RequiresContainerEngine
@Testcontainers
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "veil.market.max-queued-jobs-per-owner=3", "veil.market.max-queue-time=PT1H", "veil.market.retention=PT4S",
    "veil.market.reaper-interval=PT1S", "veil.market.reap-grace=PT0S"})
@Import(TestClockConfig.class)
class MarketLifetimesIT extends MarketClients {

  @Container
  @ServiceConnection(name = "redis")
  static final GenericContainer<?> redis = RedisContainers.redis();

  static ServiceProcess sessionService;

  @DynamicPropertySource
  static void sessionService(DynamicPropertyRegistry registry) {
    // Testcontainers has started Redis by the time Spring asks for properties.
    sessionService = MarketSessions.start(RedisContainers.uri(redis), registry);
  }

  @AfterAll
  static void stopSessionService() {
    sessionService.close();
  }

  @Override
  String sessionServiceUrl() {
    return sessionService.baseUrl();
  }

  WebTestClient.ResponseSpec post(KeyPair owner) throws Exception {
    return post(owner, JobMarketBehaviour.spec("public-job.json"));
  }

  String posted(KeyPair owner) throws Exception {
    return posted(owner, JobMarketBehaviour.spec("public-job.json")).jobId();
  }

  @Test
  void anOwnerHasAQuotaOfQueuedJobsThatFreesAsTheyLeaveTheQueue() throws Exception {
    List<String> jobs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      jobs.add(posted(alice));
    }
    long queuedBefore = redis().zcard("veil:{market}:queue");
    post(alice).expectStatus().isEqualTo(429)
        .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
        .expectHeader().exists("Retry-After")
        .expectBody().jsonPath("$.detail").value(detail -> assertThat((String) detail).contains("3 jobs waiting"));
    // Refused means nothing written: the queue did not grow.
    assertThat(redis().zcard("veil:{market}:queue")).isEqualTo(queuedBefore);
    // Another owner is not affected.
    posted(bob);

    // A stopped job frees its place...
    http.post().uri("/v1/jobs/{id}/stop", jobs.get(0)).header("x-session-id", login.sessionId(alice)).exchange()
        .expectStatus().isOk();
    String fourth = posted(alice);
    post(alice).expectStatus().isEqualTo(429);
    // ...and so does a claimed one; a job that goes back to the queue counts again.
    String owner = Ed25519.id(alice.getPublic());
    JobRecord claimed = claimOneOf(node(), owner);
    assertThat(claimed.state()).isEqualTo(JobState.RUNNING);
    posted(alice);
    post(alice).expectStatus().isEqualTo(429);
    clock.advance(Duration.ofSeconds(31));
    Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> job(claimed.jobId()).state() == JobState.QUEUED);
    assertThat(redis().zscore("veil:{market}:owner-queued:" + owner, claimed.jobId())).isNotNull();
    assertThat(redis().zcard("veil:{market}:owner-queued:" + owner)).isEqualTo(4);
    assertThat(fourth).isNotNull();
  }

  /** Claims jobs until one of {@code owner}'s comes (this test's clock stands still: jobs posted together tie). */
  private static JobRecord claimOneOf(NodeApi node, String owner) {
    for (int i = 0; i < 100; i++) {
      JobRecord claimed = node.send(HttpMethod.POST, "/v1/claims?waitSeconds=1", null).expectStatus().isOk()
          .expectBody(JobRecord.class).returnResult().getResponseBody();
      if (claimed.owner().equals(owner)) {
        return claimed;
      }
    }
    throw new AssertionError("no job of " + owner + " claimed");
  }

  @Test
  void aJobNoHostClaimsWithinTheQueueTimeEndsExpiredAndFreesItsPlace() throws Exception {
    List<String> jobs = List.of(posted(alice), posted(alice), posted(alice));
    post(alice).expectStatus().isEqualTo(429);
    clock.advance(Duration.ofMinutes(61));
    Awaitility.await().atMost(Duration.ofSeconds(15))
        .until(() -> jobs.stream().allMatch(id -> job(id).state() == JobState.EXPIRED));
    JobRecord expired = job(jobs.get(0));
    assertThat(expired.finishedAt()).isNotNull();
    assertThat(expired.nodeId()).isNull();
    assertThat(redis().zscore("veil:{market}:queue", jobs.get(0))).isNull();
    // Ended: it no longer counts, and it may not be stopped any more.
    posted(alice);
    http.post().uri("/v1/jobs/{id}/stop", jobs.get(0)).header("x-session-id", login.sessionId(alice)).exchange()
        .expectStatus().isEqualTo(409);
    // An expired job is kept for the retention, like any ended one, then it is gone.
    assertThat(redis().pttl("veil:{market}:job:" + jobs.get(0))).isBetween(1L, 4000L);
  }

  @Test
  void aFinishedJobAndItsPublicResultAreKeptForTheRetentionThenGone() throws Exception {
    String jobId = posted(alice);
    NodeApi node = node();
    JobMarketBehaviour.claim(node, jobId);
    assertThat(redis().pttl("veil:{market}:job:" + jobId)).as("running: its timeout plus the retention")
        .isGreaterThan(3_600_000L);
    String resultId = node.send(HttpMethod.POST, "/v1/jobs/" + jobId + "/result", JobMarketBehaviour.result(JobStatus.SUCCESS, "kept"))
        .expectStatus().isCreated().expectBody(ResultReceipt.class).returnResult().getResponseBody().resultId();
    assertThat(job(jobId).state()).isEqualTo(JobState.COMPLETED);
    http.get().uri("/v1/results/{id}", resultId).exchange().expectStatus().isOk();

    Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
      http.get().uri("/v1/jobs/{id}", jobId).exchange().expectStatus().isNotFound();
      http.get().uri("/v1/results/{id}", resultId).exchange().expectStatus().isNotFound();
    });
  }

  @Test
  void everyKeyTheServicesWriteHasALifetimeButTheQueueAndTheLeases() throws Exception {
    NodeApi node = node();
    String running = posted(bob);
    JobMarketBehaviour.claim(node, running);
    String done = posted(bob);
    JobMarketBehaviour.claim(node, done);
    node.send(HttpMethod.POST, "/v1/jobs/" + done + "/result", JobMarketBehaviour.result(JobStatus.SUCCESS, "done"))
        .expectStatus().isCreated();
    String stopped = posted(alice);
    http.post().uri("/v1/jobs/{id}/stop", stopped).header("x-session-id", login.sessionId(alice)).exchange()
        .expectStatus().isOk();
    String queued = posted(alice);

    // The two sets every job passes through are bounded by the jobs queued or running now.
    Set<String> bounded = Set.of("veil:{market}:queue", "veil:{market}:leases");
    List<String> keys = allKeys();
    assertThat(keys).contains("veil:{market}:job:" + queued, "veil:{market}:job:" + stopped, "veil:{market}:job:" + running,
        "veil:{market}:job:" + done, "veil:{market}:owner-queued:" + Ed25519.id(alice.getPublic()));
    for (String key : keys) {
      if (!bounded.contains(key)) {
        assertThat(redis().pttl(key)).as("lifetime of " + key).isPositive();
      }
    }
    for (String id : redis().zrange("veil:{market}:queue", 0, -1)) {
      assertThat(job(id).state()).isEqualTo(JobState.QUEUED);
    }
    for (String id : redis().zrange("veil:{market}:leases", 0, -1)) {
      assertThat(job(id).state()).isEqualTo(JobState.RUNNING);
    }
  }

  private List<String> allKeys() {
    List<String> keys = new ArrayList<>();
    ScanCursor cursor = ScanCursor.INITIAL;
    do {
      KeyScanCursor<String> page = redis().scan(cursor, ScanArgs.Builder.limit(500));
      keys.addAll(page.getKeys());
      cursor = page;
    } while (!cursor.isFinished());
    return keys;
  }

  private static StatefulRedisConnection<String, String> connection;

  private static RedisCommands<String, String> redis() {
    if (connection == null) {
      connection = RedisClient.create(RedisContainers.uri(redis)).connect();
    }
    return connection.sync();
  }

  @AfterAll
  static void closeRedis() {
    if (connection != null) {
      connection.close();
    }
  }
}
