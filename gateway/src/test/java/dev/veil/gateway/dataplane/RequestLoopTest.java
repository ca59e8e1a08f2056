package dev.veil.gateway.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;

/** The loop a request is read on, as the direct path picks its upstream pool by it: a real server, several connections. */
class RequestLoopTest {

  @Test
  void itIsTheLoopThatReadsTheRequestsConnectionAndRunsItsHandler() {
    List<Boolean> onIt = new CopyOnWriteArrayList<>();
    List<Boolean> connectionsLoop = new CopyOnWriteArrayList<>();
    DisposableServer server = HttpServer.create().host("127.0.0.1").port(0)
        .handle((request, response) -> {
          EventLoop loop = RequestLoop.of(request);
          onIt.add(loop.inEventLoop());
          request.withConnection(connection -> connectionsLoop.add(connection.channel().eventLoop() == loop));
          return response.sendString(Mono.just("ok"));
        })
        .bindNow();
    try {
      for (int i = 0; i < 6; i++) {
        // A connection each (no pool): read on the server's loops in turn.
        String body = HttpClient.newConnection().get().uri("http://127.0.0.1:" + server.port() + "/")
            .responseSingle((response, content) -> content.asString())
            .block(Duration.ofSeconds(5));
        assertThat(body).isEqualTo("ok");
      }
    } finally {
      server.disposeNow();
    }

    assertThat(onIt).hasSize(6).containsOnly(true);
    assertThat(connectionsLoop).hasSize(6).containsOnly(true);
  }
}
