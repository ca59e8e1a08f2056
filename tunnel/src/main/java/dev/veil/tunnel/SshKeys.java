package dev.veil.tunnel;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * Ed25519 keys as MINA SSHD takes them. MINA signs and verifies Ed25519 with Bouncy Castle's key
 * objects, not the JDK's; the node's key file stays as it is, and is re-read here through Bouncy
 * Castle's own key factory (the same X.509 and PKCS#8 encodings).
 */
public final class SshKeys {

  private static final BouncyCastleProvider BOUNCY_CASTLE = new BouncyCastleProvider();

  private SshKeys() {}

  /** The same Ed25519 key pair, as Bouncy Castle key objects. */
  public static KeyPair forSsh(KeyPair key) {
    try {
      KeyFactory factory = KeyFactory.getInstance("Ed25519", BOUNCY_CASTLE);
      return new KeyPair(factory.generatePublic(new X509EncodedKeySpec(key.getPublic().getEncoded())),
          factory.generatePrivate(new PKCS8EncodedKeySpec(key.getPrivate().getEncoded())));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not an Ed25519 key pair", e);
    }
  }

  /** OpenSSH's fingerprint of a public key: {@code SHA256:<base64, unpadded>}, as {@code ssh-keygen -l} prints it. */
  public static String fingerprint(PublicKey key) {
    return KeyUtils.getFingerPrint(key);
  }

  /** True when {@code key}'s fingerprint is {@code expected}; compared in constant time. */
  public static boolean hasFingerprint(PublicKey key, String expected) {
    if (expected == null || expected.isBlank()) {
      return false;
    }
    return MessageDigest.isEqual(fingerprint(key).getBytes(StandardCharsets.UTF_8), expected.strip().getBytes(StandardCharsets.UTF_8));
  }
}
