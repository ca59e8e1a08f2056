package dev.veil.market;

import dev.veil.model.auth.Ed25519;
import dev.veil.model.auth.NodeRequestSignature;
import dev.veil.model.json.VeilJson;
import java.security.KeyPair;
import java.time.Clock;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/** A host agent calling the market with node-signed requests. */
final class NodeApi {

  final KeyPair key = Ed25519.generate();
  private final WebTestClient http;
  private final Clock clock;

  NodeApi(WebTestClient http, Clock clock) {
    this.http = http;
    this.clock = clock;
  }

  String id() {
    return Ed25519.id(key.getPublic());
  }

  NodeRequestSignature sign(HttpMethod method, String pathAndQuery, byte[] body) {
    return NodeRequestSignature.sign(key, "job-market", method.name(), pathAndQuery, body, clock.instant());
  }

  WebTestClient.ResponseSpec send(HttpMethod method, String pathAndQuery, Object body) {
    byte[] bytes = body == null ? new byte[0] : body instanceof byte[] raw ? raw : VeilJson.write(body);
    return send(method, pathAndQuery, bytes, sign(method, pathAndQuery, bytes));
  }

  WebTestClient.ResponseSpec send(HttpMethod method, String pathAndQuery, byte[] body, NodeRequestSignature signature) {
    WebTestClient.RequestBodySpec request = http.method(method).uri(pathAndQuery)
        .headers(h -> signature.headers().forEach(h::add));
    return body.length == 0 ? request.exchange()
        : request.contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
  }

  void register() {
    send(HttpMethod.PUT, "/v1/nodes/self", java.util.Map.of("version", "test", "capacity", 2))
        .expectStatus().isOk();
  }
}
