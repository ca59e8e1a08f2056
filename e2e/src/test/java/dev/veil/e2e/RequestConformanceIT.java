package dev.veil.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.testsupport.RequiresContainerEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every request gets a right answer on every service: the same table of requests no endpoint
 * serves as sent (unknown path, wrong method, unacceptable Accept, wrong Content-Type, a body
 * over the limit, broken JSON, HEAD, OPTIONS), sent with curl to each service's own port and
 * through the gateway, against the suite as {@code ./veil up} runs it. Each answer has its own
 * status and problem {@code type}, carries no framework internals, and is never an empty reply or
 * a 502 for a path an agent simply does not have.
 *
 * <p>An unexpected exception (500 with a correlation ID) cannot be provoked honestly in these
 * processes; service-support's mapping tests and the agent's {@code ErrorAnswersOnTheAgentsClasspathTest}
 * prove it on a real port.
 */
@RequiresContainerEngine
class RequestConformanceIT {

  static final String PROBLEMS = "https://veil.dev/problems/";
  static final String UNKNOWN_ID = "NoSuchNodeHereAtA23456789abcdefgh";

  static LocalSuite suite;
  static Path json20KB;
  static Path json2MB;
  static Path json5MB;

  /**
   * One request and the answer it must get; {@code path} is appended to the base URL of the
   * service as reached directly or through the gateway; {@code type} null: not a problem (HEAD,
   * OPTIONS); {@code allows}: a method the {@code Allow} header must list.
   */
  record Case(String service, String what, String path, List<String> curl, int status, String type, String allows) {

    Case allowing(String method) {
      return new Case(service, what, path, curl, status, type, method);
    }

    @Override
    public String toString() {
      return service + ": " + what;
    }
  }

  /** Where a service is reached: its name in the table, its own address and the gateway's address for it. */
  record Target(String service, Function<LocalSuite, String> direct, Function<LocalSuite, String> throughGateway) {}

  static final List<Target> TARGETS = List.of(
      new Target("session-service", s -> s.direct("VEIL_SESSION_PORT"), LocalSuite::gateway),
      new Target("job-market", s -> s.direct("VEIL_MARKET_PORT"), LocalSuite::gateway),
      new Target("host-agent", s -> s.direct("VEIL_AGENT_PORT"), s -> s.urlOf(s.nodeId)));

  @BeforeAll
  static void up() throws Exception {
    suite = LocalSuite.up();
    json20KB = jsonOf(20 * 1024);
    json2MB = jsonOf(2 * 1024 * 1024);
    json5MB = jsonOf(5 * 1024 * 1024);
  }

  @AfterAll
  static void down() {
    if (suite != null) {
      suite.close();
    }
  }

  static Path jsonOf(int bytes) throws Exception {
    Path file = Files.createTempFile(suite.state, "body-", ".json");
    Files.writeString(file, "{\"publicKey\":\"" + "a".repeat(bytes) + "\"}");
    return file;
  }

  static List<String> args(String... args) {
    return List.of(args);
  }

  static Case c(String service, String what, String path, List<String> curl, int status, String type) {
    return new Case(service, what, path, curl, status, type == null ? null : PROBLEMS + type, null);
  }

  static List<Case> table() {
    String json = "Content-Type: application/json";
    List<Case> cases = new ArrayList<>();

    String s = "session-service";
    cases.add(c(s, "unknown path under the public login paths is 404", "/v1/challenges/nonexistent", args(), 404, "not-found"));
    cases.add(c(s, "known path, wrong method is 405 with Allow", "/v1/challenges", args(), 405, "method-not-allowed").allowing("POST"));
    cases.add(c(s, "unacceptable Accept is 406", "/v1/challenges",
        args("-X", "POST", "-H", json, "-H", "Accept: text/plain", "-d", "{\"publicKey\":\"x\"}"), 406, "not-acceptable"));
    cases.add(c(s, "wrong Content-Type is 415", "/v1/challenges",
        args("-X", "POST", "-H", "Content-Type: text/plain", "-d", "{}"), 415, "unsupported-media-type"));
    cases.add(c(s, "body over the limit (16 KB) is 413", "/v1/challenges",
        args("-X", "POST", "-H", json, "--data-binary", "@" + json20KB), 413, "body-too-large"));
    cases.add(c(s, "broken JSON is 400 saying where", "/v1/challenges",
        args("-X", "POST", "-H", json, "-d", "{\"publicKey\": "), 400, "malformed-request"));
    cases.add(c(s, "HEAD is answered (405: the path takes POST)", "/v1/challenges", args("--head"), 405, null).allowing("POST"));
    cases.add(c(s, "OPTIONS is answered with Allow", "/v1/challenges", args("-X", "OPTIONS"), 200, null).allowing("POST"));

    String m = "job-market";
    cases.add(c(m, "unknown path is 404", "/v1/jobs/abc/nonexistent", args(), 404, "not-found"));
    cases.add(c(m, "known path, wrong method is 405 with Allow", "/v1/jobs/abc", args("-X", "DELETE"), 405, "method-not-allowed")
        .allowing("GET"));
    cases.add(c(m, "unacceptable Accept is 406", "/v1/jobs/abc", args("-H", "Accept: text/plain"), 406, "not-acceptable"));
    cases.add(c(m, "wrong Content-Type is 415", "/v1/jobs",
        args("-X", "POST", "-H", "Content-Type: text/plain", "-d", "{}"), 415, "unsupported-media-type"));
    cases.add(c(m, "body over the limit (4 MB, at the market and the gateway) is 413", "/v1/jobs",
        args("-X", "POST", "-H", json, "--data-binary", "@" + json5MB), 413, "body-too-large"));
    cases.add(c(m, "broken JSON is 400 saying where", "/v1/jobs",
        args("-X", "POST", "-H", json, "-d", "{\"definition\": "), 400, "malformed-request"));
    cases.add(c(m, "HEAD is answered", "/v1/jobs/abc", args("--head"), 404, null));
    cases.add(c(m, "OPTIONS is answered with Allow", "/v1/jobs", args("-X", "OPTIONS"), 200, null).allowing("POST"));

    String a = "host-agent";
    cases.add(c(a, "unknown path is 404", "/nonexistent", args(), 404, "not-found"));
    cases.add(c(a, "known path, wrong method is 405 with Allow", "/job-result/abc", args("-X", "DELETE"), 405, "method-not-allowed")
        .allowing("GET"));
    cases.add(c(a, "unacceptable Accept is 406", "/job-result/abc", args("-H", "Accept: text/plain"), 406, "not-acceptable"));
    cases.add(c(a, "wrong Content-Type is 415", "/job-definition/abc",
        args("-X", "POST", "-H", "Content-Type: text/plain", "-d", "{}"), 415, "unsupported-media-type"));
    cases.add(c(a, "body over the limit (1 MB) is 413", "/job-definition/abc",
        args("-X", "POST", "-H", json, "--data-binary", "@" + json2MB), 413, "body-too-large"));
    // The session is checked before the body is parsed: without one, broken JSON learns only 401.
    // With a session, PrivateFlowsIT proves the 400 that says where.
    cases.add(c(a, "broken JSON without a session is 401, nothing about the body", "/job-definition/abc",
        args("-X", "POST", "-H", json, "-d", "{\"jobDefinition\": "), 401, "unauthorized"));
    cases.add(c(a, "HEAD is answered", "/node/info", args("--head"), 200, null));
    cases.add(c(a, "OPTIONS is answered with Allow", "/node/info", args("-X", "OPTIONS"), 200, null).allowing("GET"));
    return cases;
  }

  static Stream<Arguments> directly() {
    return table().stream().map(c -> Arguments.of(c, target(c).direct().apply(suite)));
  }

  static Stream<Arguments> throughTheGateway() {
    return table().stream().map(c -> Arguments.of(c, target(c).throughGateway().apply(suite)));
  }

  static Target target(Case c) {
    return TARGETS.stream().filter(t -> t.service().equals(c.service())).findFirst().orElseThrow();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("directly")
  void eachServiceAnswersEveryRequestRightly(Case c, String base) {
    answersRightly(c, base);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("throughTheGateway")
  void theGatewayPassesEachAnswerThroughAsItIs(Case c, String base) {
    answersRightly(c, base);
  }

  @Test
  void anUnknownPathOnTheGatewayItselfIs404() {
    isProblem(Curl.run(suite.gateway() + "/nonexistent"), 404, PROBLEMS + "not-found");
  }

  @Test
  void aNameNoNodeOrServiceHasIs404() {
    isProblem(Curl.run(suite.urlOf(UNKNOWN_ID) + "/node/info"), 404, PROBLEMS + "not-found");
  }

  @Test
  void sessionServiceTellsACallerWithoutCredentialsNothingAboutWhichPathsExist() {
    Curl.Reply unknown = Curl.run(suite.direct("VEIL_SESSION_PORT") + "/v1/nonexistent");
    Curl.Reply known = Curl.run("-X", "PUT", suite.direct("VEIL_SESSION_PORT") + "/v1/sessions/validate");
    isProblem(unknown, 401, PROBLEMS + "unauthorized");
    isProblem(known, 401, PROBLEMS + "unauthorized");
    assertThat(unknown.body()).isEqualTo(known.body());
  }

  static void answersRightly(Case c, String base) {
    Curl.Reply reply = Curl.run(Stream.concat(c.curl().stream(), Stream.of(base + c.path())).toArray(String[]::new));
    if (c.type() != null) {
      isProblem(reply, c.status(), c.type());
    } else {
      assertThat(reply.status()).as(reply.toString()).isEqualTo(c.status());
    }
    if (c.allows() != null) {
      assertThat(reply.headers().get("allow")).as(reply.toString()).isNotNull().contains(c.allows());
    }
    if (c.status() == 400) {
      assertThat(reply.body()).as("says where").contains("\"pointer\"").contains("line 1");
    }
  }

  static void isProblem(Curl.Reply reply, int status, String type) {
    assertThat(reply.status()).as(reply.toString()).isEqualTo(status);
    assertThat(reply.contentType()).as(reply.toString()).startsWith("application/problem+json");
    assertThat(reply.body()).as(reply.toString())
        .contains("\"type\":\"" + type + "\"")
        .doesNotContain("static resource", "Exception", "at dev.veil", "java.", "org.springframework", "\"trace\"");
  }
}
