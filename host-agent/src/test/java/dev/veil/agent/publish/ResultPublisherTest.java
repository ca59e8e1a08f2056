package dev.veil.agent.publish;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.veil.agent.config.AgentProperties;
import dev.veil.agent.config.TestAgentProperties;
import dev.veil.agent.market.MarketClient;
import dev.veil.model.json.VeilJson;
import dev.veil.model.result.FlowState;
import dev.veil.model.result.JobStatus;
import dev.veil.model.result.LogEntry;
import dev.veil.model.result.OpState;
import dev.veil.model.result.OpStatus;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

/**
 * The publisher against a market stand-in on a real port that answers a scripted sequence of
 * statuses: a market outage or refusal on demand, which the real market cannot be made to give.
 * (HostAgentIT proves the refusal case against the real market and its real body limit.)
 */
class ResultPublisherTest {

  @TempDir
  Path dir;

  private HttpServer server;
  private final List<Integer> script = new CopyOnWriteArrayList<>();
  private final List<FlowState> received = new CopyOnWriteArrayList<>();
  private final AtomicInteger calls = new AtomicInteger();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  private ResultPublisher publisher(Integer... statuses) throws IOException {
    script.addAll(List.of(statuses));
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v1/jobs/", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      int call = calls.getAndIncrement();
      int status = call < script.size() ? script.get(call) : 201;
      if (status == 201) {
        received.add(VeilJson.readStrict(body, FlowState.class));
      }
      byte[] answer = status == 201 ? "{\"jobId\":\"j\",\"resultId\":\"r\"}".getBytes() : "{}".getBytes();
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, answer.length);
      exchange.getResponseBody().write(answer);
      exchange.close();
    });
    server.start();
    AgentProperties properties = TestAgentProperties.of(dir, "http://127.0.0.1:" + server.getAddress().getPort(), "",
        DataSize.ofKilobytes(64));
    MarketClient market = dev.veil.agent.market.TestMarketClients.of(properties);
    return new ResultPublisher(market, properties, meters, Duration.ofMillis(20));
  }

  private static FlowState result(int lines) {
    List<LogEntry> logs = java.util.stream.IntStream.range(0, lines).mapToObj(i -> new LogEntry(LogEntry.STDOUT, "line " + i, i)).toList();
    return new FlowState(JobStatus.SUCCESS, 1L, 2L, List.of(),
        List.of(new OpState("op", "op", OpStatus.SUCCESS, 1L, 2L, 0, logs, Map.of(), List.of(), Map.of())));
  }

  @Test
  void aMarketThatCannotAnswerForAMomentIsAskedAgainUntilItTakesTheResult() throws Exception {
    ResultPublisher publisher = publisher(503, 502, 429);

    publisher.publish("job", result(3)).block(Duration.ofSeconds(10));

    assertThat(calls.get()).isEqualTo(4);
    assertThat(received).singleElement().satisfies(r -> assertThat(r.opStates().get(0).logs()).hasSize(3));
  }

  @Test
  void aResultTheMarketRefusesIsReplacedByStatusAndErrorsSoTheJobEnds() throws Exception {
    ResultPublisher publisher = publisher(413);

    publisher.publish("job", result(3)).block(Duration.ofSeconds(10));

    assertThat(received).singleElement().satisfies(r -> {
      assertThat(r.status()).isEqualTo(JobStatus.SUCCESS);
      assertThat(r.opStates()).isEmpty();
      assertThat(r.errors()).singleElement().asString().contains("refused by the market (market answered 413)");
    });
    assertThat(meters.counter("veil.agent.results.refused").count()).isEqualTo(1);
  }

  @Test
  void aResultOverTheLimitIsCutBeforeItIsSent() throws Exception {
    ResultPublisher publisher = publisher();

    publisher.publish("job", result(20_000)).block(Duration.ofSeconds(10));

    assertThat(calls.get()).isEqualTo(1);
    FlowState published = received.get(0);
    assertThat(VeilJson.write(published).length).isLessThanOrEqualTo(64 * 1024);
    List<LogEntry> logs = published.opStates().get(0).logs();
    assertThat(logs.get(logs.size() - 1).log()).contains("were cut to fit the published result's limit of 65536 bytes");
  }

  @Test
  void aJobNoLongerThisNodesEndsTheAttemptWithoutRetrying() throws Exception {
    ResultPublisher publisher = publisher(404);

    publisher.publish("job", result(3)).block(Duration.ofSeconds(10));

    assertThat(calls.get()).isEqualTo(1);
    assertThat(received).isEmpty();
  }
}
