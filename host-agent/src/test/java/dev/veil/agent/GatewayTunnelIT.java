package dev.veil.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.agent.expose.ServiceExposer;
import dev.veil.agent.identity.NodeIdentity;
import dev.veil.agent.tunnel.GatewayTunnel;
import dev.veil.model.auth.Ed25519;
import dev.veil.model.id.ExposeIds;
import dev.veil.model.market.JobRecord;
import dev.veil.model.market.JobState;
import dev.veil.model.result.ServiceStatus;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The agent's tunnel as a host lives with it: its API and its jobs' services reached only through
 * the gateway, no claims while no tunnel is open, a gateway restart survived with every forward
 * restored, a stopped job's service gone at once.
 */
@RequiresContainerEngine
@Testcontainers
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
class GatewayTunnelIT {

  @Container
  static final GenericContainer<?> redis = RedisContainers.redis();

  static Suite suite;
  static final int AGENT_PORT = RedisContainers.freePort();

  @DynamicPropertySource
  static void network(DynamicPropertyRegistry registry) throws Exception {
    suite = new Suite(redis);
    suite.agentProperties(registry, AGENT_PORT);
  }

  @AfterAll
  static void stopNetwork() {
    suite.close();
  }

  @Autowired
  NodeIdentity identity;

  @Autowired
  GatewayTunnel tunnel;

  @Autowired
  ServiceExposer exposer;

  @Autowired
  MeterRegistry meters;

  @Test
  void aGatewayRestartIsSurvivedWithEveryForwardBackAndAStoppedJobsServiceGoesAtOnce() throws Exception {
    KeyPair alice = Ed25519.generate();
    String json = Files.readString(Path.of("..", "spec", "private-expose-job.json")).replace("\"private\": true", "\"private\": false");
    JobRecord job = suite.post(alice, Suite.job(json), null);
    String serviceId = ExposeIds.publicId(0, 80, job.jobId());
    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> suite.viaGateway(serviceId, "/").status() == 200);
    assertThat(suite.viaGateway(identity.nodeId(), "/node/info").body()).contains(identity.nodeId());

    // While no tunnel is open nobody could reach this node: it claims nothing.
    suite.stopGateway();
    JobRecord waiting = suite.post(alice, Suite.spec("public-job.json"), null);
    double paused = meters.counter("veil.agent.claims.paused").count();
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> meters.counter("veil.agent.claims.paused").count() >= paused + 2);
    assertThat(tunnel.isConnected()).isFalse();
    assertThat(suite.record(waiting.jobId()).state()).isEqualTo(JobState.QUEUED);

    suite.startGateway();

    // Dialed again (back-off from 100 ms) and asked again for the API and the job's service.
    Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
        .until(() -> suite.viaGateway(identity.nodeId(), "/node/info").status() == 200
            && suite.viaGateway(serviceId, "/").status() == 200);
    assertThat(suite.viaGateway(serviceId, "/").body()).containsIgnoringCase("nginx");
    assertThat(tunnel.isConnected()).isTrue();
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> suite.record(waiting.jobId()).state() != JobState.QUEUED);

    // The owner stops the job: the agent hears it on the market's event stream and cancels the forward.
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> exposer.status(serviceId) == ServiceStatus.ONLINE);
    assertThat(suite.stop(alice, job.jobId())).isEqualTo(200);
    Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
        .until(() -> suite.viaGateway(serviceId, "/").status() == 404);
    suite.awaitResult(job.jobId(), Duration.ofSeconds(60));
    assertThat(suite.viaGateway(identity.nodeId(), "/node/info").status()).isEqualTo(200);
  }
}
