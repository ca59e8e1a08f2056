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
import org.junit.jupiter.api.Test;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

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
    DisposableServer holderService = answering("from the holder");
    DisposableServer askerService = answering("from the asker");
    try {
      TestNodes.TestNode holder = nodes.connect(upstreams.agent.port());
      String id = holder.exposePrivate(holderService.port());
      int held = localForwards.port(RegistryTarget.Kind.SERVICE, id).orElseThrow();
      TestNodes.TestNode asker = nodes.connect(upstreams.agent.port());

      assertThat(redis.execInContainer("redis-cli", "CLIENT", "PAUSE", "1500", "WRITE").getStdout()).contains("OK");
      CompletableFuture<Void> asked = CompletableFuture.runAsync(() -> asker.exposePrivate(id, askerService.port()));
      List<String> answers = new ArrayList<>();
      long until = System.nanoTime() + Duration.ofMillis(800).toNanos();
      while (System.nanoTime() < until) {
        answers.add(gateway.get(id + "." + DOMAIN, "/").body());
        Thread.sleep(10);
      }

      assertThat(answers).isNotEmpty().containsOnly("from the holder");
      assertThatThrownBy(asked::join).hasCauseInstanceOf(UncheckedIOException.class);
      assertThat(localForwards.port(RegistryTarget.Kind.SERVICE, id)).contains(held);
      assertThat(gateway.get(id + "." + DOMAIN, "/").body()).isEqualTo("from the holder");
    } finally {
      holderService.disposeNow();
      askerService.disposeNow();
    }
  }

  private static DisposableServer answering(String answer) {
    return HttpServer.create().host("127.0.0.1").port(0)
        .handle((request, response) -> response.sendString(Mono.just(answer)))
        .bindNow();
  }
}
