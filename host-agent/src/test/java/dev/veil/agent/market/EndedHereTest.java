package dev.veil.agent.market;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.veil.agent.config.AgentProperties;
import dev.veil.agent.config.TestAgentProperties;
import dev.veil.agent.identity.NodeIdentity;
import dev.veil.model.json.VeilJson;
import dev.veil.model.market.JobRecord;
import dev.veil.model.market.JobState;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

/**
 * What a heartbeat that finds its job no longer running asks next: did the job end with this
 * node's own result (the beat crossed it on the way), or was the claim lost? Against a stand-in
 * for the market's public job record on a real port.
 */
class EndedHereTest {

  @TempDir
  Path dir;

  private HttpServer server;
  /** The record the stand-in answers; null answers 404. */
  private final AtomicReference<JobRecord> record = new AtomicReference<>();
  private MarketClient market;
  private String thisNode;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v1/jobs/job", exchange -> {
      JobRecord job = record.get();
      byte[] body = job == null ? "{\"status\":404}".getBytes() : VeilJson.write(job);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(job == null ? 404 : 200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
    AgentProperties properties = TestAgentProperties.of(dir, "http://127.0.0.1:" + server.getAddress().getPort(), "",
        DataSize.ofMegabytes(3));
    market = TestMarketClients.of(properties);
    thisNode = new NodeIdentity(properties).nodeId();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private static JobRecord job(JobState state, String nodeId) throws IOException {
    return job(state, nodeId, state.isFinal() ? "sha256:result" : null);
  }

  private static JobRecord job(JobState state, String nodeId, String resultId) throws IOException {
    return new JobRecord("job", "owner", state, VeilJson.readJobFile(Path.of("..", "spec", "public-job.json")), 60, 1L,
        nodeId, nodeId == null ? null : 2L, null, null, state.isFinal() ? 3L : null, resultId);
  }

  @Test
  void aJobThisNodeEndedEndedHere() throws IOException {
    record.set(job(JobState.COMPLETED, thisNode));
    assertThat(market.endedHere("job").block()).isTrue();
    record.set(job(JobState.STOPPED, thisNode));
    assertThat(market.endedHere("job").block()).isTrue();
  }

  @Test
  void aJobRequeuedOrEndedElsewhereOrUnknownIsALostClaim() throws IOException {
    record.set(job(JobState.QUEUED, null));
    assertThat(market.endedHere("job").block()).isFalse();
    record.set(job(JobState.RUNNING, "another-node"));
    assertThat(market.endedHere("job").block()).isFalse();
    record.set(job(JobState.COMPLETED, "another-node"));
    assertThat(market.endedHere("job").block()).isFalse();
    record.set(null);
    assertThat(market.endedHere("job").block()).isFalse();
  }

  @Test
  void aJobTheMarketStoppedItselfWhileThisNodeHeldItWasLostHere() throws IOException {
    // Its lease lapsed while its owner had asked it to stop: STOPPED, still naming this node, no result.
    record.set(job(JobState.STOPPED, thisNode, null));
    assertThat(market.endedHere("job").block()).isFalse();
  }

  @Test
  void aMarketThatCannotAnswerSaysNotHere() {
    server.stop(0);
    assertThat(market.endedHere("job").block()).isFalse();
  }
}
