package dev.veil.model.auth;

import java.nio.charset.StandardCharsets;

/**
 * What a client signs to trade a challenge for a session. The fixed prefix keeps a login
 * signature from ever being valid as any other kind of Veil signature, and the public key binds
 * it to the identity asking.
 */
public final class LoginChallenge {

  private static final String DOMAIN = "veil-session-login-v1";

  private LoginChallenge() {}

  /** {@code "veil-session-login-v1\n<publicKey>\n<challenge>"} as UTF-8. */
  public static byte[] message(String publicKey, String challenge) {
    return (DOMAIN + "\n" + publicKey + "\n" + challenge).getBytes(StandardCharsets.UTF_8);
  }
}
