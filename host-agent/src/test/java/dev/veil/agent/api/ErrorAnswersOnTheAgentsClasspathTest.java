package dev.veil.agent.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * service-support's error handling on exactly the agent's classpath (no Spring Data Redis, no
 * spring-tx), on a real port: every failure is answered with problem+json, none closes the
 * connection. Only the shared auto-configuration and a controller that fails are loaded, so the
 * test needs no container engine.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(classes = ErrorAnswersOnTheAgentsClasspathTest.Minimal.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ErrorAnswersOnTheAgentsClasspathTest {

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(Failing.class)
  static class Minimal {}

  @RestController
  static class Failing {

    @GetMapping("/fails")
    String fails() {
      throw new IllegalStateException("a bug nobody expected, with secret s3cr3t");
    }
  }

  @LocalServerPort
  int port;

  WebTestClient http;

  @BeforeEach
  void setUp() {
    http = WebTestClient.bindToServer().baseUrl("http://localhost:" + port).build();
  }

  @Test
  void theStoreLibrariesAreReallyAbsentHere() {
    assertThat(classExists("org.springframework.data.redis.RedisConnectionFailureException")).isFalse();
    assertThat(classExists("org.springframework.dao.DataAccessException")).isFalse();
  }

  @Test
  void anUnknownPathIs404NotFoundRatherThanAClosedConnection() {
    http.get().uri("/nonexistent").exchange()
        .expectStatus().isNotFound()
        .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .expectBody()
        .jsonPath("$.type").isEqualTo("https://veil.dev/problems/not-found")
        .jsonPath("$.detail").value(detail -> assertThat((String) detail).doesNotContain("static resource"));
  }

  @Test
  void aKnownPathWithTheWrongMethodIs405WithAllow() {
    http.delete().uri("/fails").exchange()
        .expectStatus().isEqualTo(405)
        .expectHeader().valueEquals("Allow", "GET,HEAD,OPTIONS")
        .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .expectBody().jsonPath("$.type").isEqualTo("https://veil.dev/problems/method-not-allowed");
  }

  @Test
  void anUnexpectedExceptionIs500WithACorrelationIdThatIsAlsoLogged(CapturedOutput log) {
    byte[] body = http.get().uri("/fails").exchange()
        .expectStatus().isEqualTo(500)
        .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .expectBody()
        .jsonPath("$.type").isEqualTo("https://veil.dev/problems/internal")
        .jsonPath("$.correlationId").isNotEmpty()
        .returnResult().getResponseBodyContent();
    String answer = new String(body);
    assertThat(answer).doesNotContain("s3cr3t", "IllegalStateException", "at dev.veil");
    String correlationId = answer.replaceAll(".*\"correlationId\":\"([^\"]+)\".*", "$1");
    assertThat(log.getAll()).contains(correlationId).contains("IllegalStateException");
  }

  private static boolean classExists(String name) {
    try {
      Class.forName(name, false, ErrorAnswersOnTheAgentsClasspathTest.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }
}
