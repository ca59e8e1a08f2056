package dev.veil.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.auth.Ed25519;
import dev.veil.model.id.RandomIds;
import dev.veil.model.session.SessionResponse;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import java.security.KeyPair;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/** A client that keeps guessing sessions is slowed down; other callers, and other clients of the same caller, are not. */
@RequiresContainerEngine
@Testcontainers
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "veil.session.failed-lookups.limit=3", "veil.session.failed-lookups.window=PT1M",
    "veil.session.service-tokens.job-market=" + FailedLookupLimitIT.TOKEN})
class FailedLookupLimitIT {

  static final String TOKEN = "job-market-token-0123456789abcdef";

  @Container
  @ServiceConnection(name = "redis")
  static final GenericContainer<?> redis = RedisContainers.redis();

  @LocalServerPort
  int port;

  @Test
  void aGuessingNodeGets429WithRetryAfterAndOthersAreUnaffected() {
    SessionApi api = new SessionApi(WebTestClient.bindToServer().baseUrl("http://localhost:" + port).build());
    KeyPair guesser = Ed25519.generate();
    KeyPair honest = Ed25519.generate();
    SessionResponse real = api.login(Ed25519.generate());

    for (int i = 0; i < 3; i++) {
      api.validateAsNode(guesser, RandomIds.next(), null, Instant.now()).expectStatus().isOk()
          .expectBody().jsonPath("$.valid").isEqualTo(false);
    }
    // Over the limit: refused before any look-up, even for a real session.
    api.validateAsNode(guesser, real.sessionId(), null, Instant.now())
        .expectStatus().isEqualTo(429)
        .expectHeader().value("Retry-After", value -> assertThat(Long.parseLong(value)).isBetween(1L, 60L))
        .expectBody().jsonPath("$.type").isEqualTo("https://veil.dev/problems/rate-limited");

    api.validateAsNode(honest, real.sessionId(), null, Instant.now()).expectStatus().isOk()
        .expectBody().jsonPath("$.valid").isEqualTo(true);
  }

  @Test
  void anAbuserGuessingThroughTheMarketNeverLocksOutTheMarketsOtherClients() {
    SessionApi api = new SessionApi(WebTestClient.bindToServer().baseUrl("http://localhost:" + port).build());
    SessionResponse real = api.login(Ed25519.generate());

    // The abuser at full rate, through the market (one caller), from one address.
    for (int i = 0; i < 10; i++) {
      api.validateAsService(TOKEN, RandomIds.next(), null, "203.0.113.7").expectStatus().value(status ->
          assertThat(status).isIn(200, 429));
      // A legitimate user of the same market, between every guess: always served.
      api.validateAsService(TOKEN, real.sessionId(), null, "198.51.100.9").expectStatus().isOk()
          .expectBody().jsonPath("$.valid").isEqualTo(true);
    }
    api.validateAsService(TOKEN, real.sessionId(), null, "203.0.113.7").expectStatus().isEqualTo(429)
        .expectBody().jsonPath("$.type").isEqualTo("https://veil.dev/problems/rate-limited");
    // A client name is an address, nothing else.
    api.validateAsService(TOKEN, real.sessionId(), null, "a b").expectStatus().isEqualTo(400);
  }
}
