package dev.veil.session.fuzz;

import dev.veil.model.auth.Ed25519;
import dev.veil.model.auth.LoginChallenge;
import dev.veil.model.id.Base58;
import dev.veil.model.id.RandomIds;
import dev.veil.model.json.VeilJson;
import dev.veil.model.session.ChallengeRequest;
import dev.veil.model.session.ChallengeResponse;
import dev.veil.model.session.SessionRequest;
import dev.veil.model.session.ValidationRequest;
import dev.veil.testsupport.fuzz.Endpoint;
import dev.veil.testsupport.fuzz.Endpoint.Credential;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.List;
import java.util.function.Supplier;

/** session-service's routes as its controllers declare them, with good bodies to mutate. */
final class SessionRoutes {

  private final String baseUrl;
  private final Supplier<String> liveSession;
  private final HttpClient http = HttpClient.newHttpClient();

  SessionRoutes(String baseUrl, Supplier<String> liveSession) {
    this.baseUrl = baseUrl;
    this.liveSession = liveSession;
  }

  List<Endpoint> all() {
    return List.of(
        Endpoint.open("POST", "/v1/challenges").body(() -> List.of(json(new ChallengeRequest(Ed25519.id(Ed25519.generate().getPublic()))))),
        Endpoint.open("POST", "/v1/sessions").body(this::logins),
        Endpoint.open("GET", "/v1/sessions").with(Credential.SESSION),
        Endpoint.open("DELETE", "/v1/sessions/current").with(Credential.SESSION),
        Endpoint.open("DELETE", "/v1/sessions/{handle}").with(Credential.SESSION),
        Endpoint.open("DELETE", "/v1/sessions").with(Credential.SESSION),
        Endpoint.open("POST", "/v1/sessions/validate").with(Credential.NODE_SIGNATURE, Credential.SERVICE_TOKEN)
            .body(() -> List.of(json(new ValidationRequest(liveSession.get(), null, null)),
                json(new ValidationRequest(liveSession.get(), RandomIds.next(), "203.0.113.7")))),
        // The revocation feed: only its refusals (a node's valid signature opens a stream that never
        // ends; RevocationFeedIT covers that).
        Endpoint.open("GET", "/v1/sessions/revocations").with(Credential.SESSION),
        Endpoint.open("OPTIONS", "/v1/sessions"),
        Endpoint.open("GET", "/actuator/health"),
        Endpoint.open("GET", "/actuator/prometheus"),
        Endpoint.open("GET", "/actuator/metrics/{name}"),
        Endpoint.open("GET", "/v3/api-docs"));
  }

  /** Logins that would succeed as they are: a fresh challenge for a fresh key, signed, unscoped and scoped. */
  private List<String> logins() {
    KeyPair client = Ed25519.generate();
    String publicKey = Ed25519.id(client.getPublic());
    String challenge = challenge(publicKey);
    String job = RandomIds.next();
    String node = RandomIds.next();
    return List.of(
        json(new SessionRequest(publicKey, challenge, sign(client, publicKey, challenge, null, null, null), null, null, null)),
        json(new SessionRequest(publicKey, challenge, sign(client, publicKey, challenge, job, node, 600L), job, node, 600L)));
  }

  private static String sign(KeyPair client, String publicKey, String challenge, String job, String node, Long ttl) {
    return Base58.encode(Ed25519.sign(client.getPrivate(), LoginChallenge.message(publicKey, challenge, job, node, ttl)));
  }

  private String challenge(String publicKey) {
    try {
      HttpResponse<byte[]> answer = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/challenges"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(json(new ChallengeRequest(publicKey)))).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      return VeilJson.readStrict(answer.body(), ChallengeResponse.class).challenge();
    } catch (IOException e) {
      throw new IllegalStateException("no challenge", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static String json(Object value) {
    return new String(VeilJson.write(value), StandardCharsets.UTF_8);
  }
}
