package dev.veil.model.session;

import dev.veil.model.id.Base58;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A session's handle: base58 of SHA-256 of its ID. Redis is keyed by handles, so a copy of the
 * store holds no usable session, and a look-up is by digest, never a character-by-character
 * comparison of the secret. Handles are what listing shows and revocation takes.
 */
public final class SessionHandles {

  private SessionHandles() {}

  public static String of(String sessionId) {
    try {
      return Base58.encode(MessageDigest.getInstance("SHA-256").digest(sessionId.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
