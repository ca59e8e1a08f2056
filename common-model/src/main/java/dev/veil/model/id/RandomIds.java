package dev.veil.model.id;

import java.security.SecureRandom;

/** Job and session IDs: 32 bytes from {@link SecureRandom}, base58 (43 or 44 characters). */
public final class RandomIds {

  /** Bytes of randomness in an ID. */
  public static final int BYTES = 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  private RandomIds() {}

  /** A new, unguessable ID. */
  public static String next() {
    byte[] bytes = new byte[BYTES];
    RANDOM.nextBytes(bytes);
    return Base58.encode(bytes);
  }

  /** True when {@code id} is base58 for exactly 32 bytes: the shape of every job and session ID. */
  public static boolean isWellFormed(String id) {
    return Base58.decode(id, BYTES).isPresent();
  }
}
