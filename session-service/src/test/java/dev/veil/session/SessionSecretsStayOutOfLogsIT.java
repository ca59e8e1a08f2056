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
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/** With web, security and Redis client logging at DEBUG, a whole lifecycle never prints a session ID. */
@RequiresContainerEngine
@Testcontainers
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "logging.level.org.springframework.web=DEBUG", "logging.level.org.springframework.security=DEBUG",
    "logging.level.io.lettuce.core=DEBUG", "logging.level.dev.veil=DEBUG",
    "veil.session.service-tokens.job-market=job-market-token-0123456789abcdef"})
class SessionSecretsStayOutOfLogsIT {

  @Container
  @ServiceConnection(name = "redis")
  static final GenericContainer<?> redis = RedisContainers.redis();

  @LocalServerPort
  int port;

  @Test
  void noSessionIdOrServiceTokenIsLogged(CapturedOutput output) {
    WebTestClient http = WebTestClient.bindToServer().baseUrl("http://localhost:" + port).build();
    SessionApi api = new SessionApi(http);
    KeyPair alice = Ed25519.generate();
    KeyPair node = Ed25519.generate();

    SessionResponse session = api.login(alice, null, Ed25519.id(node.getPublic()), null);
    api.validateAsNode(node, session.sessionId(), null, Instant.now()).expectStatus().isOk();
    api.validateAsService("job-market-token-0123456789abcdef", session.sessionId(), null).expectStatus().isOk();
    http.get().uri("/v1/sessions").header("x-session-id", session.sessionId()).exchange().expectStatus().isForbidden();
    String unknown = RandomIds.next();
    http.get().uri("/v1/sessions").header("x-session-id", unknown).exchange().expectStatus().isUnauthorized();
    http.delete().uri("/v1/sessions/current").header("x-session-id", session.sessionId()).exchange().expectStatus().isNoContent();

    assertThat(output.getAll()).contains("DEBUG"); // the capture really saw the debug logs
    assertThat(output.getAll()).doesNotContain(session.sessionId(), unknown, "job-market-token-0123456789abcdef");
  }
}
