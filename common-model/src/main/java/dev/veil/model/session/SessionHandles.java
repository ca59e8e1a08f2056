package dev.veil.model.session;

import dev.veil.model.id.Base58;
import dev.veil.model.id.Digests;

/**
 * A session's handle: base58 of SHA-256 of its ID. Redis is keyed by handles, so a copy of the
 * store holds no usable session, and a look-up is by digest, never a character-by-character
 * comparison of the secret. Handles are what listing shows and revocation takes.
 */
public final class SessionHandles {

  private SessionHandles() {}

  public static String of(String sessionId) {
    return Base58.encode(Digests.sha256(sessionId));
  }
}
