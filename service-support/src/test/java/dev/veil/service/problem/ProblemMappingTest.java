package dev.veil.service.problem;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.validation.Violation;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.web.server.ServerWebInputException;
import tools.jackson.databind.json.JsonMapper;

class ProblemMappingTest {

  private static ResponseEntity<ProblemDetail> map(Throwable error) {
    return ProblemMapping.toResponse(error);
  }

  @Test
  void eachFailureGetsItsStatusTypeAndProblemJson() {
    record Case(Throwable error, int status, String type) {}
    for (Case c : List.of(
        new Case(new InvalidRequestException(List.of(new Violation("/a", "bad"))), 400, "invalid-request"),
        new Case(new DeniedException("no"), 401, "unauthorized"),
        new Case(new BadCredentialsException("no"), 401, "unauthorized"),
        new Case(new ForbiddenException("no"), 403, "forbidden"),
        new Case(new NotFoundException("no"), 404, "not-found"),
        new Case(new ConflictException("later", Duration.ofSeconds(5)), 409, "conflict"),
        new Case(new GoneException("gone"), 410, "gone"),
        new Case(new ServerWebInputException("bad", null, new DataBufferLimitException("big")), 413, "body-too-large"),
        new Case(new RateLimitedException(Duration.ofSeconds(7)), 429, "rate-limited"),
        new Case(new RedisConnectionFailureException("down"), 503, "store-unavailable"),
        new Case(new RuntimeException(new java.net.ConnectException("refused")), 502, "upstream-unreachable"),
        new Case(new org.springframework.web.server.ResponseStatusException(org.springframework.http.HttpStatus.GATEWAY_TIMEOUT,
            "Response took longer than timeout"), 504, "upstream-timeout"),
        new Case(new IllegalStateException("bug with secret abc"), 500, "internal"))) {
      ResponseEntity<ProblemDetail> response = map(c.error());
      assertThat(response.getStatusCode().value()).as(c.type()).isEqualTo(c.status());
      assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
      assertThat(response.getBody().getType().toString()).isEqualTo("https://veil.dev/problems/" + c.type());
    }
  }

  @Test
  void retryAfterIsSetWhereAClientShouldComeBack() {
    assertThat(map(new ConflictException("not yet", Duration.ofSeconds(5))).getHeaders().getFirst("Retry-After")).isEqualTo("5");
    assertThat(map(new RateLimitedException(Duration.ofSeconds(7))).getHeaders().getFirst("Retry-After")).isEqualTo("7");
    assertThat(map(new RedisConnectionFailureException("down")).getHeaders().getFirst("Retry-After")).isEqualTo("5");
    assertThat(map(new ConflictException("never")).getHeaders().getFirst("Retry-After")).isNull();
  }

  @Test
  void violationsAreListedAndInternalErrorsSayNothing() {
    ProblemDetail invalid = map(new InvalidRequestException(List.of(new Violation("/a", "x"), new Violation("/b", "y")))).getBody();
    assertThat(JsonMapper.shared().writeValueAsString(invalid)).contains("\"violations\":[{", "\"/a\"", "\"/b\"");

    ProblemDetail internal = map(new IllegalStateException("bug with secret abc")).getBody();
    assertThat(internal.getDetail()).isEqualTo("an unexpected error occurred");
  }

  @Test
  void brokenJsonSaysWhereItBroke() {
    Throwable cause = null;
    try {
      JsonMapper.shared().readTree("{\"a\": ");
    } catch (RuntimeException e) {
      cause = e;
    }
    ProblemDetail problem = map(new ServerWebInputException("bad", null, cause)).getBody();
    assertThat(problem.getStatus()).isEqualTo(400);
    assertThat(problem.getDetail()).startsWith("not valid JSON").contains("line 1");
  }
}
