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

/** Closing a forward's port drops the pooled connections to that port, and no other's: real sockets, two upstreams. */
class ForwardPoolsTest {

  final ConnectionProvider provider = ConnectionProvider.create("forward-pools-test", 8);
  /** A permit for each connection given back to its pool. */
  final Semaphore released = new Semaphore(0);
  final HttpClient client = HttpClient.create(provider).observe((connection, state) -> {
    if (state == ConnectionObserver.State.RELEASED) {
      released.release();
    }
  });
  final DisposableServer closing = upstream();
  final DisposableServer staying = upstream();

  @AfterEach
  void stop() {
    closing.disposeNow();
    staying.disposeNow();
    provider.disposeLater().block(Duration.ofSeconds(5));
  }

  @Test
  void aClosedPortsKeptAliveConnectionIsClosedAndAnotherPortsKept() throws InterruptedException {
    LocalForwards forwards = new LocalForwards();
    ForwardPools.watching(forwards, provider);
    Channel toClosing = request(closing.port());
    Channel toStaying = request(staying.port());
    assertThat(request(closing.port())).as("kept alive until the port closes").isSameAs(toClosing);

    forwards.portClosed(closing.port());

    assertThat(toClosing.closeFuture().awaitUninterruptibly(5, TimeUnit.SECONDS)).as("closed").isTrue();
    assertThat(toStaying.isActive()).isTrue();
    assertThat(request(staying.port())).as("another port's, still kept alive").isSameAs(toStaying);
    assertThat(request(closing.port())).as("a new connection, in a new pool").isNotSameAs(toClosing);
  }

  /** A GET to {@code port} as the routes send it, its answer read and its connection back in its pool: the connection used. */
  private Channel request(int port) throws InterruptedException {
    Channel[] used = new Channel[1];
    String body = client.doOnRequest((request, connection) -> used[0] = connection.channel())
        .get().uri("http://127.0.0.1:" + port + "/")
        .responseSingle((response, content) -> content.asString())
        .block(Duration.ofSeconds(10));
    assertThat(body).isEqualTo("ok");
    assertThat(released.tryAcquire(10, TimeUnit.SECONDS)).as("the connection released to its pool").isTrue();
    return used[0];
  }

  private static DisposableServer upstream() {
    return HttpServer.create().host("127.0.0.1").port(0).handle((request, response) -> response.sendString(Mono.just("ok")))
        .bindNow();
  }
}
