package dev.veil.cli.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.veil.cli.CliException;
import dev.veil.cli.ExitCodes;
import dev.veil.cli.config.CliSettings;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The CLI's requests on the wire, against a real HTTP server on a loopback port. */
class GatewayTransportTest {

  private HttpServer server;
  private final List<String> seen = new CopyOnWriteArrayList<>();
  private volatile int status = 200;
  private volatile String answer = "{\"ok\":true}";
  private volatile String retryAfter;
  /** Statuses to answer first, one per request, before {@link #status}. */
  private final java.util.Queue<Integer> firstStatuses = new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final List<String> keys = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      seen.add(exchange.getRequestMethod() + " " + exchange.getRequestURI()
          + " host=" + exchange.getRequestHeaders().getFirst("Host")
          + " session=" + exchange.getRequestHeaders().getFirst("x-session-id")
          + " type=" + exchange.getRequestHeaders().getFirst("Content-Type")
          + " length=" + exchange.getRequestHeaders().getFirst("Content-Length")
          + " body=" + new String(body, StandardCharsets.UTF_8));
      keys.add(String.valueOf(exchange.getRequestHeaders().getFirst("Idempotency-Key")));
      Integer first = firstStatuses.poll();
      if (first != null && first == 0) {
        // The answer lost: the request was read, the connection closes without a word.
        exchange.close();
        return;
      }
      int status = first != null ? first : this.status;
      byte[] reply = (first == null ? answer : "{\"status\":" + status + ",\"detail\":\"store too slow\"}")
          .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", status / 100 == 2 ? "application/json" : "application/problem+json");
      if (retryAfter != null) {
        exchange.getResponseHeaders().set("Retry-After", retryAfter);
      }
      exchange.sendResponseHeaders(status, reply.length);
      exchange.getResponseBody().write(reply);
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private Gateway gateway() {
    return new Gateway(new CliSettings(URI.create("http://127.0.0.1:" + server.getAddress().getPort()), "node.example",
        Path.of("unused.key")));
  }

  @Test
  void aNodeRequestCarriesItsHostSessionAndBody() {
    Gateway.Reply reply = gateway().node("Node1", "POST", "/job-definition/J1", "s3ss10n", "{\"a\":1}".getBytes(StandardCharsets.UTF_8));

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.json().path("ok").asBoolean()).isTrue();
    assertThat(seen).containsExactly(
        "POST /job-definition/J1 host=Node1.node.example:" + server.getAddress().getPort()
            + " session=s3ss10n type=application/json length=7 body={\"a\":1}");
  }

  @Test
  void aPostWithoutABodySaysSoAndAGetSendsNone() {
    gateway().api("POST", "/v1/sessions/x/revoke", null, null);
    gateway().api("GET", "/v1/jobs/J1?x=1", null, null);

    assertThat(seen.get(0)).startsWith("POST /v1/sessions/x/revoke host=127.0.0.1:")
        .endsWith("type=application/json length=0 body=");
    assertThat(seen.get(1)).startsWith("GET /v1/jobs/J1?x=1 host=127.0.0.1:").contains("length=null");
  }

  @Test
  void aPostRefused401IsDeniedWithTheProblemsDetailNotATransportError() {
    status = 401;
    answer = "{\"status\":401,\"title\":\"Unauthorized\",\"detail\":\"session refused\"}";

    assertThatThrownBy(() -> gateway().node("Node1", "POST", "/job-definition/J1", "s", "{}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(CliException.class, e -> {
          assertThat(e.exitCode()).isEqualTo(ExitCodes.DENIED);
          assertThat(e.getMessage()).contains("401").contains("session refused");
        });
    assertThat(seen).hasSize(1); // sent once, never repeated
  }

  @Test
  void aPostThatMakesAJobIsSentAgainWithItsKeyWhileTheServiceCannotAnswerAndNothingElseIsRepeated() {
    firstStatuses.addAll(List.of(503, 504));
    retryAfter = "0";
    List<String> heard = new CopyOnWriteArrayList<>();

    Gateway.Reply reply = gateway().create("/v1/jobs", "s", "{}".getBytes(StandardCharsets.UTF_8), heard::add);

    assertThat(reply.status()).isEqualTo(200);
    assertThat(seen).hasSize(3);
    // One key, the same on every attempt: the market makes the job once, however many arrived.
    assertThat(keys).hasSize(3).doesNotContain("null").containsOnly(keys.get(0));
    assertThat(heard).hasSize(2).allSatisfy(line -> assertThat(line).contains("the same post: made once"));

    // Another post is another key; a plain API call carries none.
    gateway().create("/v1/jobs", "s", "{}".getBytes(StandardCharsets.UTF_8), heard::add);
    gateway().api("GET", "/v1/jobs/J1", null, null);
    assertThat(keys.get(3)).isNotEqualTo(keys.get(0));
    assertThat(keys.get(4)).isEqualTo("null");
  }

  @Test
  void aPostWhoseAnswerWasLostIsSentAgainWithItsKey() {
    firstStatuses.add(0);

    Gateway.Reply reply = gateway().create("/v1/jobs", "s", "{}".getBytes(StandardCharsets.UTF_8), line -> { });

    assertThat(reply.status()).isEqualTo(200);
    assertThat(keys).hasSize(2).containsOnly(keys.get(0));
  }

  @Test
  void aPostThatMakesAJobGivesUpAfterItsAttemptsAndIsNeverRepeatedOnARefusal() {
    status = 503;
    retryAfter = "0";
    assertThatThrownBy(() -> gateway().create("/v1/jobs", "s", "{}".getBytes(StandardCharsets.UTF_8), line -> { }))
        .isInstanceOf(Gateway.Unavailable.class);
    assertThat(seen).hasSize(Gateway.CREATE_ATTEMPTS);

    seen.clear();
    status = 429;
    assertThatThrownBy(() -> gateway().create("/v1/jobs", "s", "{}".getBytes(StandardCharsets.UTF_8), line -> { }))
        .isInstanceOf(CliException.class);
    assertThat(seen).hasSize(1);
  }

  @Test
  void a503SaysWhenToRetry() {
    status = 503;
    retryAfter = "7";
    answer = "{\"status\":503,\"detail\":\"down\"}";

    assertThatThrownBy(() -> gateway().api("GET", "/v1/jobs/J1", null, null))
        .isInstanceOfSatisfying(Gateway.Unavailable.class, e -> assertThat(e.retryAfterSeconds()).isEqualTo(7));
  }

  @Test
  void aStreamIsReadAsItComesAndAnErrorStreamIsAFailure() throws IOException {
    answer = "event: log\ndata: hello\n\n";
    try (InputStream in = gateway().nodeStream("Node1", "/job-logs/J1", "s", 41L)) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(answer);
    }
    assertThat(seen.get(0)).startsWith("GET /job-logs/J1 host=Node1.node.example:" + server.getAddress().getPort() + " session=s ");

    status = 404;
    answer = "{\"status\":404,\"detail\":\"no such job\"}";
    assertThatThrownBy(() -> gateway().nodeStream("Node1", "/job-logs/J1", "s", null))
        .isInstanceOfSatisfying(CliException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.NOT_FOUND));
  }

  @Test
  void aGatewayNotListeningIsUnreachable() throws IOException {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    Gateway nowhere = new Gateway(new CliSettings(URI.create("http://127.0.0.1:" + closed), "node.example", Path.of("k")));

    assertThatThrownBy(() -> nowhere.api("GET", "/v1/jobs/J1", null, null))
        .isInstanceOfSatisfying(CliException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.UNREACHABLE));
  }
}
