package dev.veil.market;

import dev.veil.model.auth.Ed25519;
import dev.veil.model.job.JobDefinition;
import dev.veil.model.market.JobRecord;
import dev.veil.model.market.PostJobRequest;
import dev.veil.testsupport.ClientLogin;
import dev.veil.testsupport.MutableClock;
import java.security.KeyPair;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * What the market's ITs talk to it with: HTTP on its real port, two clients' keys and their
 * logins at the real session-service, a registered node, and the market's test clock (reset after
 * each test). Each IT keeps its own Redis container and session-service process.
 */
abstract class MarketClients {

  @LocalServerPort
  int port;

  @Autowired
  MutableClock clock;

  WebTestClient http;
  ClientLogin login;
  final KeyPair alice = Ed25519.generate();
  final KeyPair bob = Ed25519.generate();

  /** Where the IT's session-service answers. */
  abstract String sessionServiceUrl();

  @BeforeEach
  void connect() {
    http = WebTestClient.bindToServer().baseUrl("http://localhost:" + port).responseTimeout(Duration.ofSeconds(30)).build();
    login = new ClientLogin(sessionServiceUrl());
  }

  @AfterEach
  void resetClock() {
    clock.reset();
  }

  /** Posts {@code definition} as {@code owner}; answers the response, whatever it is. */
  WebTestClient.ResponseSpec post(KeyPair owner, JobDefinition definition) {
    return http.post().uri("/v1/jobs").header("x-session-id", login.sessionId(owner))
        .contentType(MediaType.APPLICATION_JSON).bodyValue(new PostJobRequest(definition, null))
        .exchange();
  }

  /** Posts {@code definition} as {@code owner}, which must be accepted. */
  JobRecord posted(KeyPair owner, JobDefinition definition) {
    return post(owner, definition).expectStatus().isCreated().expectBody(JobRecord.class).returnResult().getResponseBody();
  }

  JobRecord job(String jobId) {
    return http.get().uri("/v1/jobs/{id}", jobId).exchange().expectStatus().isOk()
        .expectBody(JobRecord.class).returnResult().getResponseBody();
  }

  /** A new node, registered. */
  NodeApi node() {
    NodeApi node = new NodeApi(http, clock);
    node.register();
    return node;
  }
}
