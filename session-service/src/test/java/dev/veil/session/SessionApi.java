package dev.veil.session;

import dev.veil.model.auth.Ed25519;
import dev.veil.model.auth.LoginChallenge;
import dev.veil.model.auth.NodeRequestSignature;
import dev.veil.model.id.Base58;
import dev.veil.model.json.VeilJson;
import dev.veil.model.session.ChallengeResponse;
import dev.veil.model.session.SessionRequest;
import dev.veil.model.session.SessionResponse;
import dev.veil.model.session.ValidationRequest;
import java.security.KeyPair;
import java.time.Instant;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/** What a client and a node do against a running session-service, with real keys and signatures. */
final class SessionApi {

  private final WebTestClient http;

  SessionApi(WebTestClient http) {
    this.http = http;
  }

  ChallengeResponse challenge(KeyPair client) {
    return http.post().uri("/v1/challenges").contentType(MediaType.APPLICATION_JSON)
        .bodyValue(Map.of("publicKey", Ed25519.id(client.getPublic())))
        .exchange().expectStatus().isCreated()
        .expectBody(ChallengeResponse.class).returnResult().getResponseBody();
  }

  /** Signs for a session of no particular scope or lifetime. */
  static String sign(KeyPair client, String challenge) {
    return sign(client, challenge, null, null, null);
  }

  static String sign(KeyPair client, String challenge, String jobId, String nodeId, Long ttlSeconds) {
    return Base58.encode(Ed25519.sign(client.getPrivate(),
        LoginChallenge.message(Ed25519.id(client.getPublic()), challenge, jobId, nodeId, ttlSeconds)));
  }

  WebTestClient.ResponseSpec trade(SessionRequest request) {
    return http.post().uri("/v1/sessions").contentType(MediaType.APPLICATION_JSON).bodyValue(request).exchange();
  }

  SessionResponse login(KeyPair client, String jobId, String nodeId, Long ttlSeconds) {
    String challenge = challenge(client).challenge();
    return trade(new SessionRequest(Ed25519.id(client.getPublic()), challenge, sign(client, challenge, jobId, nodeId, ttlSeconds),
        jobId, nodeId, ttlSeconds))
        .expectStatus().isCreated()
        .expectBody(SessionResponse.class).returnResult().getResponseBody();
  }

  SessionResponse login(KeyPair client) {
    return login(client, null, null, null);
  }

  /** A node-signed validation; {@code now} is the time the node believes it is. */
  WebTestClient.ResponseSpec validateAsNode(KeyPair node, String sessionId, String jobId, Instant now) {
    byte[] body = VeilJson.write(new ValidationRequest(sessionId, jobId, null));
    NodeRequestSignature signature = NodeRequestSignature.sign(node, "session-service", "POST", "/v1/sessions/validate", body, now);
    return sendSigned(signature, body);
  }

  WebTestClient.ResponseSpec sendSigned(NodeRequestSignature signature, byte[] body) {
    return http.post().uri("/v1/sessions/validate").contentType(MediaType.APPLICATION_JSON)
        .headers(h -> signature.headers().forEach(h::add))
        .bodyValue(body).exchange();
  }

  WebTestClient.ResponseSpec validateAsService(String token, String sessionId, String jobId) {
    return validateAsService(token, sessionId, jobId, null);
  }

  /** As the trusted service, for a request {@code client} presented. */
  WebTestClient.ResponseSpec validateAsService(String token, String sessionId, String jobId, String client) {
    return http.post().uri("/v1/sessions/validate").contentType(MediaType.APPLICATION_JSON)
        .header("Authorization", "Bearer " + token)
        .bodyValue(new ValidationRequest(sessionId, jobId, client)).exchange();
  }
}
