package dev.veil.session;

import dev.veil.model.auth.Ed25519;
import dev.veil.model.session.SessionRequest;
import dev.veil.model.session.SessionResponse;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/** No key can fill the store with sessions: past its quota of live ones, a login is 429 until one goes. */
@RequiresContainerEngine
@Testcontainers
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "veil.session.max-sessions-per-key=3")
class SessionQuotaIT {

  @Container
  @ServiceConnection(name = "redis")
  static final GenericContainer<?> redis = RedisContainers.redis();

  @LocalServerPort
  int port;

  @Test
  void aKeyHoldsAtMostItsQuotaOfLiveSessionsAndGetsRoomBackByRevokingOne() {
    WebTestClient http = WebTestClient.bindToServer().baseUrl("http://localhost:" + port).build();
    SessionApi api = new SessionApi(http);
    KeyPair alice = Ed25519.generate();
    List<SessionResponse> held = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      held.add(api.login(alice));
    }

    String challenge = api.challenge(alice).challenge();
    api.trade(new SessionRequest(Ed25519.id(alice.getPublic()), challenge, SessionApi.sign(alice, challenge), null, null, null))
        .expectStatus().isEqualTo(429)
        .expectHeader().exists("Retry-After")
        .expectBody().jsonPath("$.type").isEqualTo("https://veil.dev/problems/rate-limited");
    // Another key is not held back by alice's.
    api.login(Ed25519.generate());

    http.delete().uri("/v1/sessions/current").header("x-session-id", held.get(0).sessionId())
        .exchange().expectStatus().isNoContent();
    api.login(alice);
  }
}
