package dev.veil.agent.expose;

import dev.veil.agent.run.ExposedService;
import dev.veil.model.job.HealthCheck;
import dev.veil.model.job.HttpHealthCheck;
import dev.veil.model.job.WebsocketHealthCheck;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import org.springframework.http.HttpMethod;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.socket.client.ReactorNettyWebSocketClient;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Whether an exposed service answers: its health checks as given ({@code http}: the expected
 * status; {@code websocket}: the expected first message), or, without any, a TCP connect.
 */
@Component
class ServiceHealth {

  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  private final WebClient http;
  private final ReactorNettyWebSocketClient websocket = new ReactorNettyWebSocketClient();

  ServiceHealth(WebClient.Builder builder) {
    this.http = builder.build();
  }

  Mono<Boolean> check(ExposedService service) {
    var checks = service.port().healthChecks();
    if (checks == null || checks.isEmpty()) {
      // The container itself, not its relay: the relay accepts every connection, whether or not the container does.
      return tcp(URI.create(service.target()));
    }
    return reactor.core.publisher.Flux.fromIterable(checks).concatMap(check -> one(service, check)).all(Boolean::booleanValue);
  }

  private Mono<Boolean> one(ExposedService service, HealthCheck check) {
    if (check instanceof HttpHealthCheck h) {
      WebClient.RequestBodySpec request = http.method(HttpMethod.valueOf(h.method() == null ? "GET" : h.method()))
          // A URI, not a template: the client metrics' uri tag stays "none" instead of naming a
          // path from the job's (maybe private) definition and the relay's port.
          .uri(URI.create(service.upstream() + h.path()));
      if (h.headers() != null) {
        h.headers().forEach(request::header);
      }
      if (h.body() != null) {
        request.bodyValue(h.body());
      }
      return request.exchangeToMono(r -> r.releaseBody().thenReturn(r.statusCode().value() == h.expectedStatus()))
          .timeout(TIMEOUT).onErrorReturn(false);
    }
    WebsocketHealthCheck ws = (WebsocketHealthCheck) check;
    URI uri = URI.create(service.upstream().replaceFirst("^http", "ws"));
    return Mono.<Boolean>create(sink -> websocket.execute(uri, session -> session.receive().next()
                .map(message -> ws.expectedResponse().equals(message.getPayloadAsText()))
                .defaultIfEmpty(false)
                .doOnNext(sink::success)
                .then(session.close()))
            .subscribe(null, error -> sink.success(false)))
        .timeout(TIMEOUT).onErrorReturn(false);
  }

  private static Mono<Boolean> tcp(URI upstream) {
    // A plain connect: blocking, so off the event loop.
    return Mono.fromCallable(() -> {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(upstream.getHost(), upstream.getPort()), (int) TIMEOUT.toMillis());
        return true;
      }
    }).subscribeOn(Schedulers.boundedElastic()).onErrorReturn(false);
  }
}
