package dev.veil.testsupport;

import dev.veil.model.auth.Ed25519;
import dev.veil.model.auth.LoginChallenge;
import dev.veil.model.id.Base58;
import dev.veil.model.json.VeilJson;
import dev.veil.model.session.ChallengeRequest;
import dev.veil.model.session.ChallengeResponse;
import dev.veil.model.session.SessionRequest;
import dev.veil.model.session.SessionResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A client logging in to a running session-service with its Ed25519 key, as the CLI does. */
public final class ClientLogin {

  private final HttpClient http = HttpClient.newHttpClient();
  private final List<String> issued = new CopyOnWriteArrayList<>();
  private final String sessionServiceUrl;

  public ClientLogin(String sessionServiceUrl) {
    this.sessionServiceUrl = sessionServiceUrl;
  }

  /** A session for {@code client}, optionally scoped to a job and/or a node. */
  public SessionResponse login(KeyPair client, String jobId, String nodeId) {
    return login(client, jobId, nodeId, null);
  }

  /** The same, living {@code ttlSeconds} (the service's default when null). */
  public SessionResponse login(KeyPair client, String jobId, String nodeId, Long ttlSeconds) {
    String publicKey = Ed25519.id(client.getPublic());
    ChallengeResponse challenge = post("/v1/challenges", new ChallengeRequest(publicKey), ChallengeResponse.class);
    String signature = Base58.encode(Ed25519.sign(client.getPrivate(), LoginChallenge.message(publicKey, challenge.challenge(),
        jobId, nodeId, ttlSeconds)));
    SessionResponse session = post("/v1/sessions", new SessionRequest(publicKey, challenge.challenge(), signature, jobId,
        nodeId, ttlSeconds), SessionResponse.class);
    issued.add(session.sessionId());
    return session;
  }

  /** Every session ID this client was given, to check none of them reached a log. */
  public List<String> issued() {
    return List.copyOf(issued);
  }

  public String sessionId(KeyPair client) {
    return login(client, null, null).sessionId();
  }

  private <T> T post(String path, Object body, Class<T> type) {
    try {
      HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(sessionServiceUrl + path))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofByteArray(VeilJson.write(body))).build(), HttpResponse.BodyHandlers.ofByteArray());
      Unavailable.check(response, path, new String(response.body()));
      if (response.statusCode() != 201) {
        throw new IllegalStateException(path + " answered " + response.statusCode() + ": " + new String(response.body()));
      }
      return VeilJson.readStrict(response.body(), type);
    } catch (IOException e) {
      throw new IllegalStateException(path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(path + " interrupted", e);
    }
  }
}
