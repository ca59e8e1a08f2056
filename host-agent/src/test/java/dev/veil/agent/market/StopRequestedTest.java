package dev.veil.agent.market;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.veil.agent.config.TestAgentProperties;
import dev.veil.model.json.VeilJson;
import dev.veil.model.market.JobRecord;
import dev.veil.model.market.JobState;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;
import reactor.test.StepVerifier;

/**
 * The agent's push path for an owner's stop, against a stand-in for the market's public event
 * stream on a real port: streams that end early or carry no stop, on demand.
 */
class StopRequestedTest {

  @TempDir
  Path dir;

  private HttpServer server;
  private final AtomicInteger connections = new AtomicInteger();
  private final List<List<JobRecord>> streams = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  private static JobRecord record(JobState state, Boolean stopRequested) throws IOException {
    return new JobRecord("job", "owner", state, VeilJson.readJobFile(Path.of("..", "spec", "public-job.json")), 60, 1L,
        "node", 2L, null, stopRequested, state.isFinal() ? 3L : null, null);
  }

  /** Each connection gets the next list of records as events, then the stream ends. */
  private MarketClient market() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v1/jobs/job/events", exchange -> {
      int n = connections.getAndIncrement();
      exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
      exchange.sendResponseHeaders(200, 0);
      try (OutputStream out = exchange.getResponseBody()) {
        for (JobRecord job : n < streams.size() ? streams.get(n) : List.<JobRecord>of()) {
          out.write(("event:job\ndata:" + new String(VeilJson.write(job), StandardCharsets.UTF_8) + "\n\n").getBytes(StandardCharsets.UTF_8));
          out.flush();
        }
      }
    });
    server.start();
    var properties = TestAgentProperties.of(dir, "http://127.0.0.1:" + server.getAddress().getPort(), "", DataSize.ofMegabytes(3));
    return TestMarketClients.of(properties);
  }

  @Test
  void aStopArrivesEvenWhenTheFirstStreamEndedBeforeIt() throws Exception {
    streams.add(List.of(record(JobState.RUNNING, null)));
    streams.add(List.of(record(JobState.RUNNING, null), record(JobState.RUNNING, true)));

    StepVerifier.create(market().stopRequested("job")).expectNext(true).expectComplete().verify(Duration.ofSeconds(15));
    assertThat(connections.get()).isEqualTo(2);
  }

  @Test
  void aJobThatEndsWithoutAStopEndsTheWatchWithoutReconnecting() throws Exception {
    streams.add(List.of(record(JobState.RUNNING, null), record(JobState.COMPLETED, null)));

    StepVerifier.create(market().stopRequested("job")).expectComplete().verify(Duration.ofSeconds(15));
    assertThat(connections.get()).isEqualTo(1);
  }
}
