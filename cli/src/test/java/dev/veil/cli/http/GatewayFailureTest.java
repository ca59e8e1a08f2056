package dev.veil.cli.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.cli.CliException;
import dev.veil.cli.ExitCodes;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class GatewayFailureTest {

  private static Gateway.Reply reply(int status, String body) {
    return new Gateway.Reply(status, body.getBytes(StandardCharsets.UTF_8));
  }

  @ParameterizedTest
  @CsvSource({
      "400, 5", "413, 5", "422, 5", "401, 4", "403, 4", "404, 3", "409, 6", "410, 6",
      "502, 8", "503, 8", "504, 8", "500, 1", "429, 1"})
  void statusesMapToExitCodes(int status, int exitCode) {
    assertThat(Gateway.failure("GET", "/v1/jobs/x", reply(status, "{}")).exitCode()).isEqualTo(exitCode);
  }

  @Test
  void reportsTheProblemDetail() {
    CliException failure = Gateway.failure("POST", "/job-definition/j1",
        reply(409, "{\"type\":\"about:blank\",\"title\":\"Conflict\",\"status\":409,\"detail\":\"the host is not waiting for a \\\"definition\\\"\"}"));

    assertThat(failure.getMessage()).isEqualTo("POST /job-definition/j1: 409 the host is not waiting for a \"definition\"");
  }

  @Test
  void listsEveryViolation() {
    CliException failure = Gateway.failure("POST", "/v1/jobs", reply(400, "{\"status\":400,\"detail\":\"2 problems with the request; see violations\","
        + "\"violations\":[{\"path\":\"/ops\",\"message\":\"must not be empty\"},{\"path\":\"/version\",\"message\":\"is required\"}]}"));

    assertThat(failure.exitCode()).isEqualTo(ExitCodes.INVALID);
    assertThat(failure.getMessage()).isEqualTo(
        "POST /v1/jobs: 400 2 problems with the request; see violations\n  /ops: must not be empty\n  /version: is required");
  }

  @Test
  void fallsBackToTheTitleThenTheStatus() {
    assertThat(Gateway.failure("GET", "/x", reply(404, "{\"title\":\"Not Found\",\"status\":404}")).getMessage())
        .isEqualTo("GET /x: 404 Not Found");
    assertThat(Gateway.failure("GET", "/x", reply(502, "<html>bad gateway</html>")).getMessage())
        .isEqualTo("GET /x: 502 the service is unavailable, retry shortly (HTTP 502)");
  }

  @Test
  void neverEchoesAQueryString() {
    assertThat(Gateway.failure("GET", "/v1/results/r?token=secret", reply(404, "")).getMessage())
        .doesNotContain("secret").startsWith("GET /v1/results/r: 404");
    assertThat(ExitCodes.NOT_FOUND).isEqualTo(3);
  }

  @Test
  void anUnavailableServiceSaysWhenToRetryAndOnlyA503IsSafeToRepeat() {
    Gateway.Reply down = new Gateway.Reply(503, "{\"status\":503,\"detail\":\"the store is unavailable\"}".getBytes(StandardCharsets.UTF_8), 7L);
    CliException failure = Gateway.failure("GET", "/v1/jobs/J1", down);

    assertThat(failure.exitCode()).isEqualTo(ExitCodes.UNAVAILABLE).isNotEqualTo(ExitCodes.UNREACHABLE);
    assertThat(failure.getMessage()).isEqualTo("GET /v1/jobs/J1: 503 the service is unavailable, retry in 7 s (the store is unavailable)");
    assertThat(((Gateway.Unavailable) failure).safeToRepeat()).isTrue();
    assertThat(((Gateway.Unavailable) failure).retryAfterSeconds()).isEqualTo(7);
    assertThat(((Gateway.Unavailable) Gateway.failure("POST", "/job-definition/J1", reply(504, "{}"))).safeToRepeat()).isFalse();
  }
}
