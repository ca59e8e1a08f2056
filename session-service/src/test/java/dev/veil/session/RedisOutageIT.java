package dev.veil.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.auth.Ed25519;
import dev.veil.model.session.SessionResponse;
import dev.veil.model.session.ValidationResponse;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import java.security.KeyPair;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/** Redis stopped mid-test: validation fails closed with 503, and works again once Redis is back. */
@RequiresContainerEngine
@Testcontainers
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "veil.session.service-tokens.job-market=" + RedisOutageIT.TOKEN)
class RedisOutageIT {

  static final String TOKEN = "job-market-token-0123456789abcdef";
  static final int REDIS_PORT = RedisContainers.freePort();

  @Container
  static final GenericContainer<?> redis = RedisContainers.redisOnHostPort(REDIS_PORT);

  @DynamicPropertySource
  static void redisUrl(DynamicPropertyRegistry registry) {
    registry.add("spring.data.redis.url", () -> "redis://localhost:" + REDIS_PORT);
  }

  @LocalServerPort
  int port;

  @Test
  void validationFailsClosedWhileRedisIsDownAndRecoversAfter() {
    WebTestClient http = WebTestClient.bindToServer().baseUrl("http://localhost:" + port)
        .responseTimeout(Duration.ofSeconds(10)).build();
    SessionApi api = new SessionApi(http);
    KeyPair alice = Ed25519.generate();
    SessionResponse session = api.login(alice);
    assertThat(validate(api, session).valid()).isTrue();

    redis.getDockerClient().stopContainerCmd(redis.getContainerId()).withTimeout(2).exec();
    try {
      api.validateAsService(TOKEN, session.sessionId(), null)
          .expectStatus().isEqualTo(503)
          .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
          .expectHeader().exists("Retry-After")
          .expectBody()
          .jsonPath("$.type").isEqualTo("https://veil.dev/problems/store-unavailable")
          .jsonPath("$.valid").doesNotExist();
      // A node's request fails closed too: its nonce cannot be checked, so it is not let through.
      api.validateAsNode(Ed25519.generate(), session.sessionId(), null, java.time.Instant.now()).expectStatus().isEqualTo(503);
      http.get().uri("/actuator/health").exchange().expectStatus().isEqualTo(503);
    } finally {
      redis.getDockerClient().startContainerCmd(redis.getContainerId()).exec();
    }

    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
        assertThat(validate(api, session)).isEqualTo(ValidationResponse.valid(session.owner(), session.expiresAt(), null, null)));
  }

  private static ValidationResponse validate(SessionApi api, SessionResponse session) {
    return api.validateAsService(TOKEN, session.sessionId(), null)
        .expectStatus().isOk().expectBody(ValidationResponse.class).returnResult().getResponseBody();
  }
}
