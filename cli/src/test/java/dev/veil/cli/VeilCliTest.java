package dev.veil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.veil.model.json.VeilJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The command line as a script sees it: exit codes, stdout, stderr and {@code --json}. The
 * gateway here is a small HTTP server on loopback answering as the real one does; the
 * end-to-end test in {@code e2e} runs the same commands against the real suite.
 */
class VeilCliTest {

  @TempDir Path dir;

  private HttpServer gateway;
  private final List<String> seen = new CopyOnWriteArrayList<>();
  private final java.util.concurrent.atomic.AtomicInteger polls = new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.concurrent.atomic.AtomicBoolean marketDownOnce = new java.util.concurrent.atomic.AtomicBoolean();
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeEach
  void startGateway() throws IOException {
    gateway = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    gateway.createContext("/v1/jobs/", exchange -> {
      seen.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " host=" + exchange.getRequestHeaders().getFirst("Host"));
      String id = exchange.getRequestURI().getPath().substring("/v1/jobs/".length());
      boolean known = id.equals("J1");
      byte[] body = (known
          ? "{\"jobId\":\"J1\",\"owner\":\"OWNER\",\"state\":\"RUNNING\",\"timeoutSeconds\":600,\"createdAt\":1,"
            + "\"nodeId\":\"N1\",\"claimedAt\":2,\"hostStatus\":\"waiting-for-job-definition\"}"
          : "{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,\"detail\":\"no such job\"}")
          .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", known ? "application/json" : "application/problem+json");
      exchange.sendResponseHeaders(known ? 200 : 404, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    // A job that waits for its private definition once, then completes; and the login it needs.
    gateway.createContext("/v1/challenges", exchange -> reply(exchange, 201, "{\"challenge\":\"C\",\"expiresAt\":1}"));
    gateway.createContext("/v1/sessions", exchange -> {
      seen.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
      reply(exchange, 201, "{\"sessionId\":\"S\",\"owner\":\"O\",\"expiresAt\":1}");
    });
    gateway.createContext("/v1/jobs", exchange ->
        reply(exchange, 201, "{\"jobId\":\"J2\",\"owner\":\"O\",\"state\":\"QUEUED\",\"timeoutSeconds\":600,\"createdAt\":1}"));
    gateway.createContext("/v1/jobs/J2", exchange -> {
      if (marketDownOnce.compareAndSet(true, false)) {
        exchange.getResponseHeaders().add("Retry-After", "1");
        byte[] problem = "{\"status\":503,\"detail\":\"the store is unavailable\"}".getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/problem+json");
        exchange.sendResponseHeaders(503, problem.length);
        exchange.getResponseBody().write(problem);
        exchange.close();
        return;
      }
      boolean waiting = polls.incrementAndGet() == 1;
      reply(exchange, 200, waiting
          ? "{\"jobId\":\"J2\",\"owner\":\"O\",\"state\":\"RUNNING\",\"timeoutSeconds\":600,\"createdAt\":1,"
            + "\"nodeId\":\"N2\",\"hostStatus\":\"waiting-for-job-definition\"}"
          : "{\"jobId\":\"J2\",\"owner\":\"O\",\"state\":\"COMPLETED\",\"timeoutSeconds\":600,\"createdAt\":1,"
            + "\"nodeId\":\"N2\",\"resultId\":\"R2\"}");
    });
    gateway.start();
  }

  private static void reply(com.sun.net.httpserver.HttpExchange exchange, int status, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    exchange.getRequestBody().readAllBytes();
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, body.length);
    exchange.getResponseBody().write(body);
    exchange.close();
  }

  @AfterEach
  void stopGateway() {
    gateway.stop(0);
  }

  private int veil(String... args) {
    Map<String, String> env = new HashMap<>();
    env.put("VEIL_CONFIG", dir.resolve("no-config").toString());
    env.put("VEIL_GATEWAY_URL", "http://127.0.0.1:" + gateway.getAddress().getPort());
    env.put("VEIL_KEY_FILE", dir.resolve("keys/client.key").toString());
    return VeilCli.run(env, new PrintWriter(out, true), new PrintWriter(err, true), args);
  }

  @Test
  void jobStatusPrintsTheStableFields() {
    assertThat(veil("job", "status", "J1", "--json")).isEqualTo(ExitCodes.OK);

    JsonNode status = VeilJson.lenient().readTree(out.toString());
    assertThat(status.path("jobId").asString()).isEqualTo("J1");
    assertThat(status.path("state").asString()).isEqualTo("RUNNING");
    assertThat(status.path("nodeId").asString()).isEqualTo("N1");
    assertThat(status.path("hostStatus").asString()).isEqualTo("waiting-for-job-definition");
    assertThat(status.has("resultId")).isTrue();
    assertThat(seen).containsExactly("GET /v1/jobs/J1 host=127.0.0.1:" + gateway.getAddress().getPort());
  }

  @Test
  void jobStatusPrintsOneFieldForAScript() {
    assertThat(veil("job", "status", "J1", "--field", "nodeId")).isEqualTo(ExitCodes.OK);
    assertThat(veil("job", "status", "J1", "--field", "hostStatus")).isEqualTo(ExitCodes.OK);
    assertThat(veil("job", "status", "J1", "--field", "resultId")).isEqualTo(ExitCodes.OK);

    assertThat(out.toString()).isEqualTo("N1\nwaiting-for-job-definition\n\n");
    assertThat(veil("job", "status", "J1", "--field", "secret")).isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void jobStatusForPeopleIsText() {
    assertThat(veil("job", "status", "J1")).isEqualTo(ExitCodes.OK);

    assertThat(out.toString()).startsWith("J1 RUNNING").contains("node    N1");
  }

  @Test
  void anUnknownJobIsNotFoundWithTheServicesReason() {
    assertThat(veil("job", "status", "nope")).isEqualTo(ExitCodes.NOT_FOUND);

    assertThat(out.toString()).isEmpty();
    assertThat(err.toString()).contains("404 no such job");
  }

  @Test
  void sendingTheDefinitionOfAnUnknownJobIsNotFound() {
    assertThat(veil("job", "send-definition", "nope", "--file", "../spec/job-definition-request.json"))
        .isEqualTo(ExitCodes.NOT_FOUND);
  }

  @Test
  void waitingWithoutADefinitionPrintsTheCurlCommandToSendIt() {
    int port = gateway.getAddress().getPort();

    assertThat(veil("job", "post", "--file", "../spec/private-send-template.json", "--wait", "--json")).isEqualTo(ExitCodes.OK);

    assertThat(err.toString())
        .contains("J2: the host waits for the private definition")
        .contains("SESSION_ID=$(veil session create --job J2 --node N2)")
        .contains("curl -X POST \"http://N2.node.localhost:" + port + "/job-definition/J2\"")
        .contains("-H \"x-session-id: $SESSION_ID\"");
    assertThat(VeilJson.lenient().readTree(out.toString()).path("state").asString()).isEqualTo("COMPLETED");
    assertThat(VeilJson.lenient().readTree(out.toString()).path("resultId").asString()).isEqualTo("R2");
    // Only the post needed a session, and nothing went to the node or to another job.
    assertThat(seen).containsExactly("POST /v1/sessions");
    assertThat(polls).hasValue(2);
  }

  @Test
  void aMarketOutageWhileWaitingIsWaitedOutAsTheServiceAsks() {
    marketDownOnce.set(true);

    assertThat(veil("job", "post", "--file", "../spec/private-send-template.json", "--wait", "--json")).isEqualTo(ExitCodes.OK);

    assertThat(err.toString()).contains("J2: GET /v1/jobs/J2: 503 the service is unavailable, retry in 1 s (the store is unavailable); waiting");
    assertThat(marketDownOnce).isFalse();
    assertThat(VeilJson.lenient().readTree(out.toString()).path("state").asString()).isEqualTo("COMPLETED");
  }

  @Test
  void anUnavailableServiceIsItsOwnExitCodeNotUnreachable() {
    marketDownOnce.set(true);

    assertThat(veil("job", "status", "J2")).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(err.toString()).contains("503 the service is unavailable, retry in 1 s");
  }

  @Test
  void usageErrorsExitWithTwo() {
    assertThat(veil()).isEqualTo(ExitCodes.USAGE);
    assertThat(veil("job")).isEqualTo(ExitCodes.USAGE);
    assertThat(veil("job", "post")).isEqualTo(ExitCodes.USAGE);
    assertThat(veil("job", "status")).isEqualTo(ExitCodes.USAGE);
    assertThat(veil("session", "revoke")).isEqualTo(ExitCodes.USAGE);
    assertThat(veil("session", "create", "--ttl", "soon")).isEqualTo(ExitCodes.USAGE);
    assertThat(veil("job", "post", "--file", "../spec/public-job.json", "--definition", "x.json")).isEqualTo(ExitCodes.USAGE);
    assertThat(veil("--gateway", "localhost:8080", "job", "status", "J1")).isEqualTo(ExitCodes.USAGE);
    assertThat(veil("frobnicate")).isEqualTo(ExitCodes.USAGE);
    assertThat(out.toString()).isEmpty();
    assertThat(seen).isEmpty();
  }

  @Test
  void anInvalidJobFileIsRefusedBeforeAnythingIsSent() throws IOException {
    Path broken = dir.resolve("job.json");
    Files.writeString(broken, "{\"version\": \"1\", ");

    assertThat(veil("job", "post", "--file", broken.toString())).isEqualTo(ExitCodes.INVALID);
    assertThat(seen).isEmpty();
  }

  @Test
  void aGatewayThatIsDownIsUnreachable() throws IOException {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }

    assertThat(veil("--gateway", "http://127.0.0.1:" + closed, "job", "status", "J1")).isEqualTo(ExitCodes.UNREACHABLE);
    assertThat(err.toString()).contains("./veil up");
  }

  @Test
  void keyCreateMakesAPrivateKeyOnceAndShowPrintsIt() throws IOException {
    assertThat(veil("key", "show")).isEqualTo(ExitCodes.NOT_FOUND);

    assertThat(veil("key", "create", "--json")).isEqualTo(ExitCodes.OK);
    JsonNode created = VeilJson.lenient().readTree(out.toString());
    Path key = dir.resolve("keys/client.key");
    assertThat(created.path("created").asBoolean()).isTrue();
    assertThat(created.path("keyFile").asString()).isEqualTo(key.toString());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");

    out.getBuffer().setLength(0);
    assertThat(veil("key", "create", "--json")).isEqualTo(ExitCodes.OK);
    JsonNode again = VeilJson.lenient().readTree(out.toString());
    assertThat(again.path("created").asBoolean()).isFalse();
    assertThat(again.path("publicKey").asString()).isEqualTo(created.path("publicKey").asString());

    out.getBuffer().setLength(0);
    assertThat(veil("key", "show")).isEqualTo(ExitCodes.OK);
    assertThat(out.toString().trim()).isEqualTo(created.path("publicKey").asString());
  }
}
