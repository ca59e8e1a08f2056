package dev.veil.agent.market;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.veil.agent.config.TestAgentProperties;
import dev.veil.model.auth.NodeRequestSignature;
import dev.veil.model.market.HeartbeatResponse;
import dev.veil.model.result.JobStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;
import reactor.util.retry.Retry;

/**
 * A market that answers 503 a few times, as during an outage: every attempt the agent makes is
 * signed afresh — a new nonce and the time of that attempt — so the market, back, takes it and
 * does not refuse it as a replay.
 */
class MarketRetriesTest {

  @TempDir
  Path dir;

  private HttpServer server;
  private final List<String> nonces = new CopyOnWriteArrayList<>();
  private final List<Long> timestamps = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  @Test
  void everyRetryOfAHeartbeatIsSignedAfresh() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v1/jobs/job/heartbeat", exchange -> {
      exchange.getRequestBody().readAllBytes();
      nonces.add(exchange.getRequestHeaders().getFirst(NodeRequestSignature.NONCE_HEADER));
      timestamps.add(Long.parseLong(exchange.getRequestHeaders().getFirst(NodeRequestSignature.TIMESTAMP_HEADER)));
      boolean down = nonces.size() <= 2;
      byte[] body = (down ? "{\"status\":503}" : "{\"stopRequested\":false,\"leaseSeconds\":30}").getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", down ? "application/problem+json" : "application/json");
      exchange.sendResponseHeaders(down ? 503 : 200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
    var properties = TestAgentProperties.of(dir, "http://127.0.0.1:" + server.getAddress().getPort(), "", DataSize.ofMegabytes(3));
    MarketClient market = TestMarketClients.of(properties);

    HeartbeatResponse beat = market.heartbeat("job", JobStatus.RUNNING)
        .retryWhen(Retry.fixedDelay(5, Duration.ofMillis(50)))
        .block(Duration.ofSeconds(30));

    assertThat(beat).isEqualTo(new HeartbeatResponse(false, 30));
    assertThat(nonces).hasSize(3).doesNotHaveDuplicates().doesNotContainNull();
    assertThat(timestamps).isSorted();
    assertThat(timestamps.get(2)).isGreaterThan(timestamps.get(0));
  }
}
