package dev.veil.tunnel;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.time.Duration;
import java.util.List;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;

/**
 * A yardstick for {@code scripts/bench-gateway.sh}, not a test and not Veil's proxy: the least an
 * HTTP reverse proxy built on Reactor Netty costs — server, pooled client with keep-alive, headers
 * copied less the hop-by-hop ones, bodies streamed both ways, no routing, no filters. Compared
 * with nginx on the same target, it tells how near a lean Reactor Netty handler for the gateway's
 * {@code *.node} data plane could get, before one is built.
 *
 * <pre>java -cp ... dev.veil.tunnel.BenchProxy LISTEN_PORT TARGET_PORT</pre>
 */
public final class BenchProxy {

  private static final List<CharSequence> HOP_BY_HOP = List.of(HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE,
      HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.TE,
      HttpHeaderNames.TRAILER, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE);

  private BenchProxy() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length != 2) {
      System.err.println("usage: BenchProxy LISTEN_PORT TARGET_PORT");
      System.exit(2);
    }
    ConnectionProvider pool = ConnectionProvider.builder("bench-proxy").maxConnections(1024)
        .pendingAcquireMaxCount(-1).maxIdleTime(Duration.ofSeconds(60)).build();
    HttpClient client = HttpClient.create(pool).baseUrl("http://127.0.0.1:" + args[1]).keepAlive(true);
    DisposableServer server = HttpServer.create().host("127.0.0.1").port(Integer.parseInt(args[0]))
        .handle((request, response) -> client
            .headers(headers -> copy(request.requestHeaders(), headers))
            .request(request.method())
            .uri(request.uri())
            .send(request.receive().retain())
            .response((upstream, body) -> {
              copy(upstream.responseHeaders(), response.responseHeaders());
              return response.status(upstream.status()).send(body.retain());
            }))
        .bindNow();
    System.out.println("listening " + server.port());
    System.out.flush();
    server.onDispose().block();
  }

  private static void copy(HttpHeaders from, HttpHeaders to) {
    to.set(from);
    HOP_BY_HOP.forEach(to::remove);
  }
}
