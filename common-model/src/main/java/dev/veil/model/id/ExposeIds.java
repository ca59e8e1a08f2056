package dev.veil.model.id;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Service IDs of exposed ports; a service is reached at {@code https://<id>.<node domain>}.
 *
 * <p>Public IDs are deterministic, so anyone who reads the job can derive them. Private IDs are
 * random, so only someone told the ID can reach the service.
 */
public final class ExposeIds {

  private static final int PUBLIC_ID_LENGTH = 44;

  private ExposeIds() {}

  /** {@code base58(SHA-512("{opIndex}:{port}:{jobId}"))}, first 44 characters. */
  public static String publicId(int opIndex, int port, String jobId) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-512")
          .digest((opIndex + ":" + port + ":" + jobId).getBytes(StandardCharsets.UTF_8));
      return Base58.encode(digest).substring(0, PUBLIC_ID_LENGTH);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-512", e);
    }
  }

  /** 256 bits from {@link java.security.SecureRandom}, base58: never derivable from the job. */
  public static String privateId() {
    return RandomIds.next();
  }
}
