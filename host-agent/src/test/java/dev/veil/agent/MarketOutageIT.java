package dev.veil.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.agent.identity.NodeIdentity;
import dev.veil.model.auth.Ed25519;
import dev.veil.model.market.JobRecord;
import dev.veil.model.market.JobState;
import dev.veil.model.result.FlowState;
import dev.veil.model.result.JobStatus;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * A market that hangs (its process frozen) for longer than a job's lease: the host keeps running
 * the job, renews its lease as soon as the market answers again, and the job ends once, on the
 * same host, with its result published — it is neither re-queued nor run twice.
 */
@RequiresContainerEngine
@Testcontainers
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
class MarketOutageIT {

  /** The market's lease here: short, so that the outage below outlasts it. */
  static final Duration LEASE = Duration.ofSeconds(6);

  @Container
  static final GenericContainer<?> redis = RedisContainers.redis();

  static Suite suite;
  static final int AGENT_PORT = RedisContainers.freePort();

  @DynamicPropertySource
  static void network(DynamicPropertyRegistry registry) throws Exception {
    suite = new Suite(redis, Map.of(), Map.of("VEIL_MARKET_LEASE", LEASE.toString(), "VEIL_MARKET_REAPERINTERVAL", "PT1S"));
    suite.agentProperties(registry, AGENT_PORT);
  }

  @AfterAll
  static void stopNetwork() {
    suite.market.resume();
    suite.close();
  }

  @Autowired
  NodeIdentity node;

  final KeyPair alice = Ed25519.generate();

  @Test
  void aJobInFlightOutlivesAMarketThatHangsLongerThanItsLease(CapturedOutput output) throws Exception {
    JobRecord posted = suite.post(alice, Suite.job("""
        {"version": "0.1", "type": "container", "ops": [
          {"type": "container/run", "id": "long", "args": {"image": "ubuntu", "cmd": "echo started; sleep 15; echo done"}}]}"""), null);
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
        .until(() -> suite.record(posted.jobId()).hostStatus() == JobStatus.RUNNING);
    JobRecord running = suite.record(posted.jobId());
    assertThat(running.nodeId()).isEqualTo(node.nodeId());

    suite.market.pause();
    try {
      // Longer than the lease: when the market wakes, the job's lease has long run out.
      Thread.sleep(LEASE.plusSeconds(3).toMillis());
    } finally {
      suite.market.resume();
    }

    FlowState result = suite.awaitResult(posted.jobId(), Duration.ofSeconds(90));
    JobRecord ended = suite.record(posted.jobId());
    assertThat(ended.state()).isEqualTo(JobState.COMPLETED);
    assertThat(result.status()).isEqualTo(JobStatus.SUCCESS);
    // Never re-queued: the claim is the one from before the outage, on the same host.
    assertThat(ended.nodeId()).isEqualTo(running.nodeId());
    assertThat(ended.claimedAt()).isEqualTo(running.claimedAt());
    assertThat(result.opStates()).singleElement().satisfies(op -> assertThat(op.logs())
        .extracting(log -> log.log().strip()).containsExactly("started", "done"));
    assertThat(output.getAll()).doesNotContain("lost its claim");
  }
}
