package dev.veil.gateway.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.gateway.registry.RegistryTarget;
import dev.veil.service.problem.ProblemException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.Channel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;

/**
 * A request routed to a forward is sent only while its name is still routed to that port: real
 * sockets, a real pooled client, the port taken over by the next holder between the routing and the
 * connection (the order the race would give, made to happen in that order).
 */
class ForwardGuardTest {

  final LocalForwards forwards = new LocalForwards();
  final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  final ConnectionProvider provider = ConnectionProvider.create("forward-guard-test", 8);
  /** Every connection the client opened. */
  final List<Channel> opened = new CopyOnWriteArrayList<>();
  final HttpClient client = new ForwardGuard(forwards, meters).guarding(HttpClient.create(provider))
      .doOnConnected(connection -> opened.add(connection.channel()));
  final List<DisposableServer> servers = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    servers.forEach(DisposableServer::disposeNow);
    provider.disposeLater().block(Duration.ofSeconds(5));
  }

  @Test
  void aRequestWhoseNameIsStillRoutedToThePortIsSent() {
    Listener leaver = listen(0, "leaver");
    forwards.put(RegistryTarget.Kind.NODE, "node-a", new LocalForwards.Forward(leaver.port(), null, "a node", null, "a claim"));

    assertThat(get(leaver.port(), new ForwardGuard.Route(RegistryTarget.Kind.NODE, "node-a", leaver.port())))
        .isEqualTo("leaver");
    assertThat(refusals()).isZero();
  }

  @Test
  void aRequestRoutedBeforeItsForwardClosedNeverReachesThePortsNextHolder() {
    Listener leaver = listen(0, "leaver");
    int port = leaver.port();
    LocalForwards.Forward left = new LocalForwards.Forward(port, null, "a node", null, "a claim");
    forwards.put(RegistryTarget.Kind.NODE, "node-a", left);
    ForwardGuard.Route routed = new ForwardGuard.Route(RegistryTarget.Kind.NODE, "node-a", port);
    // The forward closes (out of the table, then unbound), and another node's forward gets the port.
    forwards.remove(RegistryTarget.Kind.NODE, "node-a", left);
    leaver.server().disposeNow();
    Listener next = Awaitility.await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> listen(port, "next"),
        java.util.Objects::nonNull);
    forwards.put(RegistryTarget.Kind.SERVICE, "service-b", new LocalForwards.Forward(port, null, "a node", null, "a claim"));

    assertThatThrownBy(() -> get(port, routed)).isInstanceOfSatisfying(ProblemException.class,
        refused -> {
          assertThat(refused.status().value()).isEqualTo(503);
          // Reactor Netty logs it at WARN with its stack, which would say nothing the message does not.
          assertThat(refused.getStackTrace()).isEmpty();
        });
    assertThat(next.requests()).as("requests the next holder received").hasValue(0);
    assertThat(next.accepted()).as("the client connected before the check").hasSize(1);
    // Closed, not pooled: no later request can be written on a connection that reached the wrong listener.
    assertThat(opened).hasSize(1);
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !opened.get(0).isActive());
    assertThat(refusals()).isEqualTo(1);
    // The next holder's own requests go through, on a new connection.
    assertThat(get(port, new ForwardGuard.Route(RegistryTarget.Kind.SERVICE, "service-b", port))).isEqualTo("next");
    assertThat(next.requests()).hasValue(1);
    assertThat(opened).hasSize(2);
  }

  @Test
  void aNameRoutedToAnotherPortSinceIsNotSentToTheOldOne() {
    Listener old = listen(0, "old");
    Listener current = listen(0, "current");
    forwards.put(RegistryTarget.Kind.NODE, "node-a", new LocalForwards.Forward(current.port(), null, "a node", null, "a claim"));

    assertThatThrownBy(() -> get(old.port(), new ForwardGuard.Route(RegistryTarget.Kind.NODE, "node-a", old.port())))
        .isInstanceOf(ProblemException.class);
    assertThat(old.requests()).hasValue(0);
  }

  /** Requests to another replica or to the market carry no route: not checked. */
  @Test
  void aRequestWithoutARouteIsNotChecked() {
    Listener market = listen(0, "market");

    assertThat(client.get().uri("http://127.0.0.1:" + market.port() + "/").responseSingle((response, body) -> body.asString())
        .block(Duration.ofSeconds(5))).isEqualTo("market");
  }

  private String get(int port, ForwardGuard.Route route) {
    return client.get().uri("http://127.0.0.1:" + port + "/")
        .responseSingle((response, body) -> body.asString())
        .contextWrite(route::into)
        .block(Duration.ofSeconds(5));
  }

  private double refusals() {
    return meters.counter("veil.gateway.tunnel.forwards.stale-routes").count();
  }

  private record Listener(DisposableServer server, AtomicInteger requests, List<Channel> accepted) {
    int port() {
      return server.port();
    }
  }

  private Listener listen(int port, String answer) {
    AtomicInteger requests = new AtomicInteger();
    List<Channel> accepted = new CopyOnWriteArrayList<>();
    DisposableServer server = HttpServer.create().host(LocalForwards.HOST).port(port)
        .doOnChannelInit((observer, channel, address) -> accepted.add(channel))
        .handle((request, response) -> {
          requests.incrementAndGet();
          return response.sendString(Mono.just(answer));
        })
        .bindNow();
    servers.add(server);
    return new Listener(server, requests, accepted);
  }
}
