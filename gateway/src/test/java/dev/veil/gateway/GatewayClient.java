package dev.veil.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Consumer;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/** Plain HTTP to the gateway's real port with any Host header, as curl sends it. */
final class GatewayClient {

  record Reply(int status, HttpHeaders headers, String body) {
    String header(String name) {
      return headers.get(name);
    }
  }

  private final int port;
  private final HttpClient http;

  GatewayClient(int port) {
    this(port, HttpClient.create());
  }

  /** Through {@code http}, e.g. one whose pool holds a single connection, so every request is read on one gateway event loop. */
  GatewayClient(int port, HttpClient http) {
    this.port = port;
    this.http = http.responseTimeout(Duration.ofSeconds(30));
  }

  Reply get(String host, String path) {
    return exchange(HttpMethod.GET, host, path, headers -> {}, null);
  }

  Reply exchange(HttpMethod method, String host, String path, Consumer<HttpHeaders> headers,
      Publisher<? extends ByteBuf> body) {
    return http.headers(h -> {
          h.set("Host", host);
          headers.accept(h);
        })
        .request(method)
        .uri("http://127.0.0.1:" + port + path)
        .send(body == null ? Mono.empty() : body)
        .responseSingle((response, content) -> content.asString(StandardCharsets.UTF_8).defaultIfEmpty("")
            .map(text -> new Reply(response.status().code(), response.responseHeaders(), text)))
        .block(Duration.ofSeconds(60));
  }

  HttpClient http() {
    return http;
  }

  /** Sends {@code request} as raw bytes (for request lines no client library would write) and returns the status line. */
  String raw(String request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream seen = new ByteArrayOutputStream();
      int b;
      while ((b = in.read()) != -1) {
        seen.write(b);
        String text = seen.toString(StandardCharsets.ISO_8859_1);
        if (text.contains("\r\n\r\n")) {
          break;
        }
      }
      String text = seen.toString(StandardCharsets.ISO_8859_1);
      return text.isEmpty() ? "" : text.substring(0, text.indexOf("\r\n") < 0 ? text.length() : text.indexOf("\r\n"));
    }
  }
}
