package dev.veil.cli.http;

import dev.veil.cli.CliException;
import dev.veil.cli.ExitCodes;
import dev.veil.model.auth.Ed25519;
import dev.veil.model.auth.KeyFile;
import dev.veil.model.auth.LoginChallenge;
import dev.veil.model.auth.SecretFile;
import dev.veil.model.id.Base58;
import dev.veil.model.json.VeilJson;
import dev.veil.model.sealing.Hpke;
import dev.veil.model.sealing.RecipientKey;
import dev.veil.model.session.ChallengeRequest;
import dev.veil.model.session.ChallengeResponse;
import dev.veil.model.session.SessionRequest;
import dev.veil.model.session.SessionResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;

/** The client's Ed25519 key and the sessions it logs in to. */
public final class ClientIdentity {

  private final Path keyFile;
  private final Gateway gateway;
  private KeyPair keys;
  private byte[] encryptionKey;

  public ClientIdentity(Path keyFile, Gateway gateway) {
    this.keyFile = keyFile;
    this.gateway = gateway;
  }

  /** Loads the key, creating it (0600) on first use. */
  public KeyPair keys() {
    if (keys == null) {
      try {
        keys = KeyFile.loadOrCreate(keyFile);
      } catch (IOException | RuntimeException e) {
        throw new CliException(ExitCodes.DENIED, "cannot load or create the key file " + keyFile + ": " + e.getMessage());
      }
    }
    return keys;
  }

  /**
   * The client's X25519 key that private results are sealed to: {@code <key file>.x25519}, 32
   * raw bytes (0600), created on first use beside the Ed25519 key.
   */
  public byte[] encryptionKey() {
    if (encryptionKey == null) {
      Path file = encryptionKeyFile();
      try {
        encryptionKey = SecretFile.loadOrCreate(file, Hpke::newPrivateKey);
      } catch (IOException | RuntimeException e) {
        throw new CliException(ExitCodes.DENIED, "cannot load or create the encryption key file " + file + ": " + e.getMessage());
      }
    }
    return encryptionKey;
  }

  public Path encryptionKeyFile() {
    Path absolute = keyFile.toAbsolutePath();
    return absolute.resolveSibling(absolute.getFileName() + ".x25519");
  }

  /** The public half of {@link #encryptionKey}, signed with this client's key: what a template names to get its result sealed. */
  public RecipientKey recipientKey() {
    return RecipientKey.signed(publicKey(), keys().getPrivate(), Hpke.publicKey(encryptionKey()));
  }

  public boolean exists() {
    return Files.isRegularFile(keyFile);
  }

  public Path keyFile() {
    return keyFile;
  }

  public String publicKey() {
    return Ed25519.id(keys().getPublic());
  }

  /**
   * A session for one request to a host or about one job: scoped to {@code jobId} (and to
   * {@code nodeId} when given) and living five minutes, so what the host receives is good for
   * nothing else.
   */
  public String sessionFor(String jobId, String nodeId) {
    return login(jobId, nodeId, 300L).sessionId();
  }

  /** Logs in by signing a fresh challenge: a session, optionally scoped to one job and one node. */
  public SessionResponse login(String jobId, String nodeId, Long ttlSeconds) {
    String publicKey = publicKey();
    ChallengeResponse challenge = VeilJson.lenient().readValue(
        gateway.api("POST", "/v1/challenges", null, VeilJson.write(new ChallengeRequest(publicKey))).body(),
        ChallengeResponse.class);
    String signature = Base58.encode(Ed25519.sign(keys().getPrivate(), LoginChallenge.message(publicKey, challenge.challenge(),
        jobId, nodeId, ttlSeconds)));
    byte[] body = VeilJson.write(new SessionRequest(publicKey, challenge.challenge(), signature, jobId, nodeId, ttlSeconds));
    return VeilJson.lenient().readValue(gateway.api("POST", "/v1/sessions", null, body).body(), SessionResponse.class);
  }
}
