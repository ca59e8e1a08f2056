package dev.veil.service.problem;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.validation.Violation;
import java.net.ConnectException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.web.reactive.resource.NoResourceFoundException;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.NotAcceptableStatusException;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.UnsupportedMediaTypeStatusException;
import tools.jackson.databind.json.JsonMapper;

class ProblemMappingTest {

  private static final ProblemMapping mapping = new ProblemMapping(List.of(new DataStoreFailures()));

  private static ResponseEntity<ProblemDetail> map(Throwable error) {
    return mapping.toResponse(error);
  }

  @Test
  void eachFailureGetsItsStatusTypeAndProblemJson() {
    record Case(Throwable error, int status, String type) {}
    for (Case c : List.of(
        new Case(ProblemException.invalid(List.of(new Violation("/a", "bad"))), 400, "invalid-request"),
        new Case(ProblemException.denied("no"), 401, "unauthorized"),
        new Case(new BadCredentialsException("no"), 401, "unauthorized"),
        new Case(ProblemException.forbidden("no"), 403, "forbidden"),
        new Case(ProblemException.notFound("no"), 404, "not-found"),
        new Case(ProblemException.conflict("later", Duration.ofSeconds(5)), 409, "conflict"),
        new Case(ProblemException.gone("gone"), 410, "gone"),
        new Case(new ServerWebInputException("bad", null, new DataBufferLimitException("big")), 413, "body-too-large"),
        new Case(ProblemException.rateLimited("slow down", Duration.ofSeconds(7)), 429, "rate-limited"),
        new Case(new RedisConnectionFailureException("down"), 503, "store-unavailable"),
        new Case(new io.lettuce.core.RedisException("Currently not connected. Commands are rejected."), 503, "store-unavailable"),
        new Case(new io.lettuce.core.RedisCommandExecutionException("ERR script bug"), 500, "internal"),
        new Case(new RuntimeException(new ConnectException("refused")), 503, "upstream-unavailable"),
        new Case(new RuntimeException(new java.net.UnknownHostException("market")), 503, "upstream-unavailable"),
        new Case(new ResponseStatusException(HttpStatus.GATEWAY_TIMEOUT, "Response took longer than timeout"), 504, "upstream-timeout"),
        new Case(new NoResourceFoundException(URI.create("/v1/nonexistent"), "v1/nonexistent"), 404, "not-found"),
        new Case(new ResponseStatusException(HttpStatus.NOT_FOUND, "No matching handler"), 404, "not-found"),
        new Case(new MethodNotAllowedException(HttpMethod.DELETE, Set.of(HttpMethod.GET)), 405, "method-not-allowed"),
        new Case(new NotAcceptableStatusException(List.of(MediaType.APPLICATION_JSON)), 406, "not-acceptable"),
        new Case(new UnsupportedMediaTypeStatusException(MediaType.TEXT_PLAIN, List.of(MediaType.APPLICATION_JSON)), 415,
            "unsupported-media-type"),
        new Case(new ResponseStatusException(HttpStatus.REQUEST_TIMEOUT), 408, "request-timeout"),
        // GET /actuator/health?=%ED%9F%BF: the firewall throws as the actuator reads the query (found by fuzzing, #14).
        new Case(new org.springframework.security.web.server.firewall.ServerExchangeRejectedException(
            "The request was rejected because the parameter name \"\ud7ff\" is not allowed."), 400, "malformed-request"),
        // GET /actuator/health with Accept: "," (found by fuzzing, #14).
        new Case(new org.springframework.util.InvalidMimeTypeException("", "'mimeType' must not be empty"), 400, "malformed-request"),
        new Case(new org.springframework.http.InvalidMediaTypeException("a/b/c", "bad"), 400, "malformed-request"),
        new Case(new ServerWebInputException("Required header 'x-session-id' is not present."), 400, "malformed-request"),
        // GET /actuator/health/a/b: Boot's health endpoint fails an assertion instead of 404 (found by fuzzing, #23).
        new Case(healthContributorMissing(), 404, "not-found"),
        // GET /actuator/health//service/x: the same, its trace trimmed by Reactor, the rest in a suppressed one (#20).
        new Case(healthContributorMissingTracedByReactor(), 404, "not-found"),
        new Case(new IllegalStateException("bug with secret abc"), 500, "internal"))) {
      ResponseEntity<ProblemDetail> response = map(c.error());
      assertThat(response.getStatusCode().value()).as(c.type()).isEqualTo(c.status());
      assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
      assertThat(response.getBody().getType().toString()).isEqualTo("https://veil.dev/problems/" + c.type());
    }
  }

  private static IllegalStateException healthContributorMissingTracedByReactor() {
    IllegalStateException error = new IllegalStateException("'contributor' must not be null");
    error.setStackTrace(new StackTraceElement[] {new StackTraceElement("org.springframework.util.Assert", "state", "Assert.java", 80)});
    RuntimeException original = new RuntimeException("Original Stack Trace");
    original.setStackTrace(healthContributorMissing().getStackTrace());
    error.addSuppressed(original);
    return error;
  }

  private static IllegalStateException healthContributorMissing() {
    IllegalStateException error = new IllegalStateException("'contributor' must not be null");
    error.setStackTrace(new StackTraceElement[] {
        new StackTraceElement("org.springframework.util.Assert", "state", "Assert.java", 80),
        new StackTraceElement("org.springframework.boot.health.actuate.endpoint.HealthEndpointSupport", "getContributor",
            "HealthEndpointSupport.java", 105)});
    return error;
  }

  @Test
  void retryAfterIsSetWhereAClientShouldComeBack() {
    assertThat(map(ProblemException.conflict("not yet", Duration.ofSeconds(5))).getHeaders().getFirst("Retry-After")).isEqualTo("5");
    assertThat(map(ProblemException.rateLimited("slow down", Duration.ofSeconds(7))).getHeaders().getFirst("Retry-After")).isEqualTo("7");
    assertThat(map(new RedisConnectionFailureException("down")).getHeaders().getFirst("Retry-After")).isEqualTo("5");
    assertThat(map(new RuntimeException(new ConnectException("refused"))).getHeaders().getFirst("Retry-After")).isEqualTo("5");
    assertThat(map(ProblemException.conflict("never")).getHeaders().getFirst("Retry-After")).isNull();
  }

  @Test
  void violationsAreListedAndInternalErrorsSayNothing() {
    ProblemDetail invalid = map(ProblemException.invalid(List.of(new Violation("/a", "x"), new Violation("/b", "y")))).getBody();
    assertThat(JsonMapper.shared().writeValueAsString(invalid)).contains("\"violations\":[{", "\"/a\"", "\"/b\"");

    ProblemDetail internal = map(new IllegalStateException("bug with secret s3cretMarker")).getBody();
    assertThat(JsonMapper.shared().writeValueAsString(internal)).doesNotContain("s3cretMarker", "IllegalStateException");
  }

  @Test
  void eachInternalErrorCarriesItsOwnRandomCorrelationId() {
    Object first = map(new IllegalStateException("bug")).getBody().getProperties().get("correlationId");
    Object second = map(new IllegalStateException("bug")).getBody().getProperties().get("correlationId");
    assertThat(first).isInstanceOf(String.class).isNotEqualTo(second);
    assertThat((String) first).matches("[0-9a-f-]{36}");
  }

  @Test
  void refusalsWebFluxDecidesSayWhatWouldWorkInOurWordsNotTheFrameworks() {
    ResponseEntity<ProblemDetail> notFound = map(new NoResourceFoundException(URI.create("/v1/nonexistent"), "v1/nonexistent"));
    assertThat(notFound.getBody().getDetail()).doesNotContain("static resource", "v1/nonexistent");

    ResponseEntity<ProblemDetail> wrongMethod = map(new MethodNotAllowedException(HttpMethod.DELETE, Set.of(HttpMethod.GET)));
    assertThat(wrongMethod.getHeaders().getAllow()).containsExactlyInAnyOrder(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);
    assertThat(wrongMethod.getBody().getDetail()).isEqualTo("this path answers GET, HEAD, OPTIONS; see Allow");

    ResponseEntity<ProblemDetail> wrongType = map(new UnsupportedMediaTypeStatusException(MediaType.TEXT_PLAIN, List.of(MediaType.APPLICATION_JSON)));
    assertThat(wrongType.getHeaders().getAccept()).containsExactly(MediaType.APPLICATION_JSON);
    assertThat(wrongType.getBody().getDetail()).isEqualTo("the body must be sent as application/json; see Accept");

    assertThat(map(new NotAcceptableStatusException(List.of(MediaType.APPLICATION_JSON))).getBody().getDetail())
        .isEqualTo("this path answers only application/json; ask for it in Accept");
  }

  @Test
  void withoutAStoreClassifierAStoreFailureIsAnInternalError() {
    ProblemDetail problem = new ProblemMapping(List.of()).toProblem(new RedisConnectionFailureException("down"));
    assertThat(problem.getStatus()).isEqualTo(500);
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
