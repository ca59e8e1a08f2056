package dev.veil.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.gateway.registry.RegistryTarget;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import reactor.netty.DisposableServer;

/** {@link TunnelBehaviour} with the registry on one Redis server. */
@RequiresContainerEngine
@Testcontainers
class TunnelIT extends TunnelBehaviour {

  @Container
  @ServiceConnection(name = "redis")
  static final GenericContainer<?> redis = RedisContainers.redis();

  @Override
  Map<String, String> redisEnvironment() {
    return Map.of("VEIL_REDIS_URL", RedisContainers.uri(redis));
  }

  @Override
  String redisArgument() {
    return "--spring.data.redis.url=" + RedisContainers.uri(redis);
  }

  /**
   * A node that asks for a private service ID another node holds here is refused, and the name is
   * never routed to it meanwhile: its claim is held in Redis for a while ({@code CLIENT PAUSE ...
   * WRITE} holds the claim script), and requests sent in that while all reach the holder's service.
   * (One Redis server: the pause is this class's alone.)
   */
  @Test
  void aPrivateIdAnotherNodeHoldsNeverRoutesToTheNodeAskingForIt() throws Exception {
    DisposableServer holderService = answering("from the holder", new AtomicInteger());
    DisposableServer askerService = answering("from the asker", new AtomicInteger());
    try {
      TestNodes.TestNode holder = nodes.connect(upstreams.agent.port());
      String id = holder.exposePrivate(holderService.port());
      int held = localForwards.port(RegistryTarget.Kind.SERVICE, id).orElseThrow();
      TestNodes.TestNode asker = nodes.connect(upstreams.agent.port());

      assertThat(redis.execInContainer("redis-cli", "CLIENT", "PAUSE", "1500", "WRITE").getStdout()).contains("OK");
      CompletableFuture<Void> asked = CompletableFuture.runAsync(() -> asker.exposePrivate(id, askerService.port()));
      List<String> answers = new ArrayList<>();
      boolean claimSeen = false;
      long until = System.nanoTime() + Duration.ofMillis(800).toNanos();
      while (System.nanoTime() < until) {
        answers.add(gateway.get(id + "." + DOMAIN, "/").body());
        claimSeen |= localForwards.isClaiming(RegistryTarget.Kind.SERVICE, id);
        Thread.sleep(10);
      }

      assertThat(claimSeen).as("the asker's claim was under way (and marked) while the requests were sent").isTrue();
      assertThat(answers).isNotEmpty().containsOnly("from the holder");
      assertThatThrownBy(asked::join).hasCauseInstanceOf(UncheckedIOException.class);
      assertThat(localForwards.port(RegistryTarget.Kind.SERVICE, id)).contains(held);
      assertThat(gateway.get(id + "." + DOMAIN, "/").body()).isEqualTo("from the holder");
    } finally {
      holderService.disposeNow();
      askerService.disposeNow();
    }
  }

  /**
   * A node that withdraws a service while another node's claim of the same ID is under way here (both
   * scripts held in Redis, the claim's first): the claim failing (the ID is the first node's), the
   * withdrawal still drops the entry, not left naming a node that no longer forwards it (it would
   * refuse that ID to every other node for as long as this replica lives).
   */
  @Test
  void aWithdrawnServiceIsNotLeftInTheRegistryWhenTheClaimItWaitedForFails() throws Exception {
    DisposableServer holderService = answering("from the holder", new AtomicInteger());
    try {
      TestNodes.TestNode holder = nodes.connect(upstreams.agent.port());
      String id = holder.exposePrivate(holderService.port());
      TestNodes.TestNode asker = nodes.connect(upstreams.agent.port());

      assertThat(redis.execInContainer("redis-cli", "CLIENT", "PAUSE", "1500", "WRITE").getStdout()).contains("OK");
      CompletableFuture<Void> asked = CompletableFuture.runAsync(() -> asker.exposePrivate(id, holderService.port()));
      Awaitility.await().atMost(Duration.ofMillis(800)).until(() -> localForwards.isClaiming(RegistryTarget.Kind.SERVICE, id));
      holder.withdraw(id);
      Awaitility.await().atMost(Duration.ofMillis(800)).until(() -> localForwards.port(RegistryTarget.Kind.SERVICE, id).isEmpty());

      assertThatThrownBy(asked::join).hasCauseInstanceOf(UncheckedIOException.class);
      // The withdrawal's script runs once the claim, which held the name's lock, has ended.
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> registry.<String, String>opsForHash()
          .get("veil:{tunnel}:service:" + id, "replica").blockOptional(Duration.ofSeconds(5)).isEmpty());
    } finally {
      holderService.disposeNow();
    }
  }

  /**
   * A node's second tunnel here whose claim of a name times out (Redis held longer than the gateway
   * waits; the claim runs when it resumes) while its first tunnel still routes the name: the entry is
   * given back as the first tunnel's own, its claim and, for a service, its job and owner (the second
   * claim named another job, open to anyone). Dropped, the name would be "not found" on every other
   * replica while routed here; left as the second claim wrote it, it would outlive the first tunnel,
   * and other replicas would admit visitors by the wrong owner.
   */
  @Test
  void aClaimThatTimesOutWhileTheNodesOtherTunnelRoutesTheNameGivesItBackAsThatTunnelsEntry() throws Exception {
    java.security.KeyPair key = dev.veil.model.auth.Ed25519.generate();
    // Nodes whose jobs' owners the market stand-in knows.
    TestNodes owned = new TestNodes(tunnels.port(), tunnels.fingerprint(), upstreams.runningJobs, upstreams.jobOwners);
    try (owned) {
      claimTimingOutWhileTheOtherTunnelRoutesTheName(owned, key);
    }
  }

  private void claimTimingOutWhileTheOtherTunnelRoutesTheName(TestNodes owned, java.security.KeyPair key) throws Exception {
    TestNodes.TestNode first = owned.connect(key, upstreams.agent.port());
    String service = first.exposeOwnerOnly(upstreams.service.port(), "the-owner");
    TestNodes.TestNode second = owned.open(key);
    String nodeEntry = dev.veil.gateway.tunnel.TunnelRegistry.NODE + first.id;
    String serviceEntry = dev.veil.gateway.tunnel.TunnelRegistry.SERVICE + service;
    Map<String, String> nodeBefore = entries(nodeEntry);
    Map<String, String> serviceBefore = entries(serviceEntry);
    assertThat(nodeBefore).containsKey("claim");
    assertThat(serviceBefore).containsEntry("owner", "the-owner").containsKey("claim");

    holdRedisWritesLongerThanAClaimWaits();
    assertThatThrownBy(() -> second.tunnel.forward(dev.veil.tunnel.ForwardName.NODE, "127.0.0.1", upstreams.agent.port()))
        .isInstanceOf(java.io.IOException.class);
    // Refused once the hand-back had run, after the second claim.
    assertThat(entries(nodeEntry)).isEqualTo(nodeBefore);

    holdRedisWritesLongerThanAClaimWaits();
    assertThatThrownBy(() -> second.exposePrivate(service, upstreams.service.port())).isInstanceOf(UncheckedIOException.class);
    assertThat(entries(serviceEntry)).isEqualTo(serviceBefore);

    assertThat(gateway.get(first.id + "." + DOMAIN, "/node/info").body()).startsWith("agent GET /node/info");
    first.tunnel.cancel(dev.veil.tunnel.ForwardName.NODE);
    first.withdraw(service);
    Awaitility.await().atMost(Duration.ofSeconds(5))
        .until(() -> registry.countExistingKeys(List.of(nodeEntry, serviceEntry)).block(Duration.ofSeconds(5)) == 0);
  }

  // Longer than a claim's 2 s wait, by 1 s: the forward request, sent after the pause began, has that
  // long to reach Redis (its tunnel is open already); the hand-back, sent when the claim's wait ends,
  // then has about 1 s of its own 2 s wait left when Redis resumes: a first run of a script costs a
  // second round trip (NOSCRIPT, then the script itself), which a wait that ended cancels.
  private static void holdRedisWritesLongerThanAClaimWaits() throws Exception {
    assertThat(redis.execInContainer("redis-cli", "CLIENT", "PAUSE", "3000", "WRITE").getStdout()).contains("OK");
  }

  private Map<String, String> entries(String key) {
    return registry.<String, String>opsForHash().entries(key)
        .collectMap(Map.Entry::getKey, Map.Entry::getValue).block(Duration.ofSeconds(5));
  }
}
