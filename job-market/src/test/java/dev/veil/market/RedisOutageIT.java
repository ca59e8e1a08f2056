package dev.veil.market;

import dev.veil.model.auth.Ed25519;
import dev.veil.model.json.VeilJson;
import dev.veil.model.market.JobRecord;
import dev.veil.model.market.PostJobRequest;
import dev.veil.testsupport.ClientLogin;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import dev.veil.testsupport.ServiceProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * Redis stopped under a running market (and the session-service beside it): every request that
 * needs the store fails closed with a 503 problem, nothing is accepted, and the market serves again
 * once Redis is back, without a restart.
 */
@RequiresContainerEngine
@Testcontainers
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class RedisOutageIT {

  static final int REDIS_PORT = RedisContainers.freePort();

  @Container
  static final GenericContainer<?> redis = RedisContainers.redisOnHostPort(REDIS_PORT);

  static ServiceProcess sessionService;

  @DynamicPropertySource
  static void stores(DynamicPropertyRegistry registry) {
    String url = "redis://localhost:" + REDIS_PORT;
    sessionService = MarketSessions.start(url, registry);
    registry.add("spring.data.redis.url", () -> url);
  }

  @AfterAll
  static void stopSessionService() {
    sessionService.close();
  }

  @LocalServerPort
  int port;

  @Test
  void everyRequestFailsClosedWhileRedisIsDownAndTheMarketServesAgainAfter() throws Exception {
    WebTestClient http = WebTestClient.bindToServer().baseUrl("http://localhost:" + port)
        .responseTimeout(Duration.ofSeconds(15)).build();
    ClientLogin login = new ClientLogin(sessionService.baseUrl());
    KeyPair alice = Ed25519.generate();
    String session = login.sessionId(alice);
    PostJobRequest job = new PostJobRequest(VeilJson.readJobFile(Files.readString(Path.of("..", "spec", "public-job.json"))), null);
    JobRecord posted = http.post().uri("/v1/jobs").header("x-session-id", session).contentType(MediaType.APPLICATION_JSON)
        .bodyValue(job).exchange().expectStatus().isCreated().expectBody(JobRecord.class).returnResult().getResponseBody();
    NodeApi node = new NodeApi(http, Clock.systemUTC());

    redis.getDockerClient().stopContainerCmd(redis.getContainerId()).withTimeout(2).exec();
    try {
      http.get().uri("/v1/jobs/{id}", posted.jobId()).exchange()
          .expectStatus().isEqualTo(503)
          .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
          .expectHeader().exists("Retry-After")
          .expectBody().jsonPath("$.type").isEqualTo("https://veil.dev/problems/store-unavailable");
      // An owner's post: its session cannot be checked (session-service has no store either), so nothing is accepted.
      http.post().uri("/v1/jobs").header("x-session-id", session).contentType(MediaType.APPLICATION_JSON).bodyValue(job)
          .exchange().expectStatus().isEqualTo(503);
      // A node's claim: its signature's nonce cannot be checked, so it is not let through.
      node.send(HttpMethod.POST, "/v1/claims?waitSeconds=1", null).expectStatus().isEqualTo(503);
      http.get().uri("/actuator/health").exchange().expectStatus().isEqualTo(503);
    } finally {
      redis.getDockerClient().startContainerCmd(redis.getContainerId()).exec();
    }

    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
        http.get().uri("/v1/jobs/{id}", posted.jobId()).exchange().expectStatus().isOk()
            .expectBody().jsonPath("$.jobId").isEqualTo(posted.jobId()));
    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
        http.post().uri("/v1/jobs").header("x-session-id", session).contentType(MediaType.APPLICATION_JSON).bodyValue(job)
            .exchange().expectStatus().isCreated());
  }
}
