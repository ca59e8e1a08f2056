package dev.veil.model.auth;

import java.nio.charset.StandardCharsets;

/**
 * What a client signs to trade a challenge for a session. The fixed prefix keeps a login
 * signature from ever being valid as any other kind of Veil signature, the public key binds it
 * to the identity asking, and the scope and lifetime asked for are signed with it: whoever passes
 * the request on cannot widen a job- or node-scoped session, or lengthen it.
 */
public final class LoginChallenge {

  private static final String DOMAIN = "veil-session-login-v2";
  private static final String NONE = "-";

  private LoginChallenge() {}

  /**
   * {@code "veil-session-login-v2\n<publicKey>\n<challenge>\n<jobId>\n<nodeId>\n<ttlSeconds>"} as
   * UTF-8, {@code -} standing for each of the last three not asked for.
   */
  public static byte[] message(String publicKey, String challenge, String jobId, String nodeId, Long ttlSeconds) {
    return String.join("\n", DOMAIN, publicKey, challenge, jobId == null ? NONE : jobId, nodeId == null ? NONE : nodeId,
        ttlSeconds == null ? NONE : Long.toString(ttlSeconds)).getBytes(StandardCharsets.UTF_8);
  }
}
