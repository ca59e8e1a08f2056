package dev.veil.gateway.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.ConnectionObserver;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * The forward clients on real sockets: an upstream on a loopback port, a pooled client on two
 * co-located event loops, requests made on each loop as the data plane makes them (on the loop
 * that read the client's request).
 */
class ForwardClientsTest {

  final LoopResources loops = LoopResources.create("forward-clients-test", 2, true);
  final ConnectionProvider provider = ConnectionProvider.create("forward-clients-test", 8);
  /** A permit for each connection given back to its pool. */
  final Semaphore released = new Semaphore(0);
  DisposableServer upstream;
  EventLoop first;
  EventLoop second;
  ForwardClients clients;

  @BeforeEach
  void start() {
    upstream = HttpServer.create().host("127.0.0.1").port(0)
        .handle((request, response) -> response.sendString(Mono.just("ok")))
        .bindNow();
    EventLoopGroup group = loops.onServer(false);
    first = group.next();
    second = group.next();
    assertThat(second).isNotSameAs(first);
    // NIO on both sides, so the loops the test runs on are the ones the client co-locates on.
    HttpClient client = HttpClient.create(provider).runOn(loops, false)
        .observe((connection, state) -> {
          if (state == ConnectionObserver.State.RELEASED) {
            released.release();
          }
        });
    clients = new ForwardClients(client, 16);
  }

  @AfterEach
  void stop() {
    upstream.disposeNow();
    provider.disposeLater().block(Duration.ofSeconds(5));
    loops.disposeLater(Duration.ZERO, Duration.ofSeconds(5)).block(Duration.ofSeconds(10));
  }

  @Test
  void eachLoopsRequestsTakeAConnectionOnThatLoopAndKeepItAlive() throws InterruptedException {
    // One loop's idle connection is there when the other loop asks: a pool shared by both would hand it over.
    Channel firstsFirst = requestOn(first);
    Channel seconds = requestOn(second);
    Channel firstsSecond = requestOn(first);

    assertThat(firstsFirst.eventLoop()).isSameAs(first);
    assertThat(seconds.eventLoop()).isSameAs(second);
    assertThat(seconds).isNotSameAs(firstsFirst);
    assertThat(firstsSecond).as("the first loop's connection, kept alive").isSameAs(firstsFirst);
    assertThat(firstsFirst.attr(ForwardClients.HOME_LOOP).get()).isSameAs(first);
    assertThat(seconds.attr(ForwardClients.HOME_LOOP).get()).isSameAs(second);
  }

  @Test
  void concurrentRequestsOnOneLoopOpenTheirConnectionsOnThatLoop() {
    List<Mono<Channel>> requests = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      requests.add(request(clients.to(upstream.port(), second)).subscribeOn(Schedulers.fromExecutor(second)));
    }

    List<Channel> used = Flux.merge(requests).collectList().block(Duration.ofSeconds(10));

    assertThat(used).hasSize(4).allSatisfy(channel -> assertThat(channel.eventLoop()).isSameAs(second));
  }

  @Test
  void aPortsClientOnALoopIsMadeOnceAndAnotherPortGetsItsOwn() {
    assertThat(clients.to(upstream.port(), first)).isSameAs(clients.to(upstream.port(), first));
    assertThat(clients.to(upstream.port(), first)).isNotSameAs(clients.to(upstream.port(), second));
    assertThat(clients.to(upstream.port(), first)).isNotSameAs(clients.to(upstream.port() + 1, first));
  }

  /**
   * One request made on {@code loop}, its answer read whole, its connection back in its pool (the
   * answer completes just before the release): the connection it went over.
   */
  private Channel requestOn(EventLoop loop) throws InterruptedException {
    Channel used = request(clients.to(upstream.port(), loop)).subscribeOn(Schedulers.fromExecutor(loop))
        .block(Duration.ofSeconds(10));
    assertThat(released.tryAcquire(10, TimeUnit.SECONDS)).as("the connection released to its pool").isTrue();
    return used;
  }

  private static Mono<Channel> request(HttpClient client) {
    Channel[] used = new Channel[1];
    return client.doOnRequest((request, connection) -> used[0] = connection.channel())
        .get().uri("/")
        .responseSingle((response, body) -> body.asString())
        .map(body -> {
          assertThat(body).isEqualTo("ok");
          return used[0];
        });
  }
}
