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
      "502, 7", "503, 7", "504, 7", "500, 1", "429, 1"})
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
        .isEqualTo("GET /x: 502 HTTP 502");
  }

  @Test
  void neverEchoesAQueryString() {
    assertThat(Gateway.failure("GET", "/v1/results/r?token=secret", reply(404, "")).getMessage())
        .doesNotContain("secret").startsWith("GET /v1/results/r: 404");
    assertThat(ExitCodes.NOT_FOUND).isEqualTo(3);
  }
}
