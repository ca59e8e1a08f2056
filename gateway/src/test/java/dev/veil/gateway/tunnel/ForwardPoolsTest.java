package dev.veil.gateway.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.ConnectionObserver;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;

/**
 * Closing a forward's port drops the pooled connections to that port, in every provider given, and
 * no other port's: real sockets, two upstreams, two providers (the gateway's client and the receipts').
 */
class ForwardPoolsTest {

  final ConnectionProvider provider = ConnectionProvider.create("forward-pools-test", 8);
  final ConnectionProvider receipts = ConnectionProvider.create("forward-pools-test-receipts", 8);
  /** A permit for each connection given back to its pool. */
  final Semaphore released = new Semaphore(0);
  final HttpClient client = HttpClient.create(provider).observe(this::countReleases);
  final HttpClient receiptsClient = HttpClient.create(receipts).observe(this::countReleases);
  final DisposableServer closing = upstream();
  final DisposableServer staying = upstream();

  @AfterEach
  void stop() {
    closing.disposeNow();
    staying.disposeNow();
    provider.disposeLater().block(Duration.ofSeconds(5));
    receipts.disposeLater().block(Duration.ofSeconds(5));
  }

  @Test
  void aClosedPortsKeptAliveConnectionIsClosedAndAnotherPortsKept() throws InterruptedException {
    LocalForwards forwards = new LocalForwards();
    ForwardPools.watching(forwards, provider, receipts, provider);
    Channel toClosing = request(client, closing.port());
    Channel receiptToClosing = request(receiptsClient, closing.port());
    Channel toStaying = request(client, staying.port());
    assertThat(request(client, closing.port())).as("kept alive until the port closes").isSameAs(toClosing);

    forwards.portClosed(closing.port());

    assertThat(toClosing.closeFuture().awaitUninterruptibly(5, TimeUnit.SECONDS)).as("closed").isTrue();
    assertThat(receiptToClosing.closeFuture().awaitUninterruptibly(5, TimeUnit.SECONDS)).as("the receipts' closed").isTrue();
    assertThat(toStaying.isActive()).isTrue();
    assertThat(request(client, staying.port())).as("another port's, still kept alive").isSameAs(toStaying);
    assertThat(request(client, closing.port())).as("a new connection, in a new pool").isNotSameAs(toClosing);
  }

  /** A GET to {@code port} as the routes send it, its answer read and its connection back in its pool: the connection used. */
  private Channel request(HttpClient through, int port) throws InterruptedException {
    Channel[] used = new Channel[1];
    String body = through.doOnRequest((request, connection) -> used[0] = connection.channel())
        .get().uri("http://127.0.0.1:" + port + "/")
        .responseSingle((response, content) -> content.asString())
        .block(Duration.ofSeconds(10));
    assertThat(body).isEqualTo("ok");
    assertThat(released.tryAcquire(10, TimeUnit.SECONDS)).as("the connection released to its pool").isTrue();
    return used[0];
  }

  private void countReleases(reactor.netty.Connection connection, ConnectionObserver.State state) {
    if (state == ConnectionObserver.State.RELEASED) {
      released.release();
    }
  }

  private static DisposableServer upstream() {
    return HttpServer.create().host("127.0.0.1").port(0).handle((request, response) -> response.sendString(Mono.just("ok")))
        .bindNow();
  }
}
