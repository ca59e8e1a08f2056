package dev.veil.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.agent.identity.NodeIdentity;
import dev.veil.model.auth.Ed25519;
import dev.veil.model.market.JobRecord;
import dev.veil.model.result.JobStatus;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
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
 * The market forgets the node (its registration lapsed while the market was out of reach): the
 * agent's next claim is refused, and it registers again at once instead of waiting for its next
 * renewal — here half a minute away — so the job posted meanwhile runs within seconds.
 */
@RequiresContainerEngine
@Testcontainers
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
class NodeReRegistrationIT {

  /** The agent renews its registration (and heartbeats its jobs) this seldom here. */
  static final Duration RENEWAL = Duration.ofSeconds(30);

  @Container
  static final GenericContainer<?> redis = RedisContainers.redis();

  static Suite suite;
  static final int AGENT_PORT = RedisContainers.freePort();

  @DynamicPropertySource
  static void network(DynamicPropertyRegistry registry) throws Exception {
    // The lease outlasts the agent's long heartbeat interval.
    suite = new Suite(redis, Map.of(), Map.of("VEIL_MARKET_LEASE", "PT90S"));
    suite.agentProperties(registry, AGENT_PORT, "veil.agent.heartbeat-interval", RENEWAL.toString());
  }

  @AfterAll
  static void stopNetwork() {
    suite.close();
  }

  @Autowired
  NodeIdentity node;

  final KeyPair alice = Ed25519.generate();

  @Test
  void aNodeTheMarketForgotRegistersAgainAtItsNextClaim(CapturedOutput output) throws Exception {
    // Registered and claiming: a first job runs.
    JobRecord first = suite.post(alice, Suite.spec("public-job.json"), null);
    assertThat(suite.awaitResult(first.jobId(), Duration.ofSeconds(60)).status()).isEqualTo(JobStatus.SUCCESS);

    try (RedisClient client = RedisClient.create(RedisContainers.uri(redis));
        StatefulRedisConnection<String, String> connection = client.connect()) {
      assertThat(connection.sync().del("veil:registry:node:" + node.nodeId())).isEqualTo(1);
    }

    JobRecord next = suite.post(alice, Suite.spec("public-job.json"), null);
    // Well before the next renewal: the refused claim registered the node again.
    Awaitility.await().atMost(RENEWAL.dividedBy(2)).pollInterval(Duration.ofMillis(250))
        .until(() -> node.nodeId().equals(suite.record(next.jobId()).nodeId()));
    // The registration's answer may be logged a moment after the claim it let through.
    Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(output.getAll())
        .contains("the market does not know this node; registering again", "registered again with the market"));
    assertThat(suite.awaitResult(next.jobId(), Duration.ofSeconds(60)).status()).isEqualTo(JobStatus.SUCCESS);
  }
}
