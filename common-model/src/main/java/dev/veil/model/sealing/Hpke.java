package dev.veil.model.sealing;

import java.security.SecureRandom;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.hpke.HPKE;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.X25519PublicKeyParameters;

/**
 * HPKE (RFC 9180), base mode, as Veil seals: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM
 * ({@value #SUITE}), by Bouncy Castle's implementation. What is sealed opens only with the
 * recipient's X25519 private key and only under the same {@code info} and associated data.
 */
public final class Hpke {

  /** The suite's name as it appears in sealed documents. */
  public static final String SUITE = "HPKE-Base/X25519-HKDF-SHA256/HKDF-SHA256/AES-256-GCM";
  public static final int KEY_BYTES = 32;

  private static final SecureRandom RANDOM = new SecureRandom();

  private Hpke() {}

  /** What sealing gives: the encapsulated key and the ciphertext (with its tag). */
  public record Sealed(byte[] enc, byte[] ciphertext) {}

  static HPKE hpke() {
    return new HPKE(HPKE.mode_base, HPKE.kem_X25519_SHA256, HPKE.kdf_HKDF_SHA256, HPKE.aead_AES_GCM256);
  }

  /**
   * The suite of what a host seals to an owner (results, live logs): HPKE auth mode, so the
   * recipient knows it was the node's key that sealed it, not anyone who knows the recipient's.
   */
  public static final String AUTH_SUITE = "HPKE-Auth/X25519-HKDF-SHA256/HKDF-SHA256/AES-256-GCM";

  private static HPKE authHpke() {
    return new HPKE(HPKE.mode_auth, HPKE.kem_X25519_SHA256, HPKE.kdf_HKDF_SHA256, HPKE.aead_AES_GCM256);
  }

  /**
   * A sender's context, auth mode ({@value #AUTH_SUITE}), for sealing several messages to
   * {@code recipient} (32 raw bytes) as the holder of {@code senderPrivate}, each with the
   * context's next nonce (RFC 9180, sections 5.1.3 and 5.2).
   */
  static org.bouncycastle.crypto.hpke.HPKEContextWithEncapsulation sender(byte[] recipient, byte[] info, byte[] senderPrivate) {
    if (recipient == null || recipient.length != KEY_BYTES) {
      throw new IllegalArgumentException("an X25519 public key is 32 bytes");
    }
    X25519PrivateKeyParameters sender = new X25519PrivateKeyParameters(senderPrivate, 0);
    try {
      return authHpke().setupAuthS(new X25519PublicKeyParameters(recipient, 0), info,
          new AsymmetricCipherKeyPair(sender.generatePublicKey(), sender));
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new IllegalArgumentException("not a usable X25519 public key", e);
    }
  }

  /**
   * The recipient's context matching a {@link #sender}'s, from its encapsulated key and the
   * sender's public key; empty when either is unusable. What it opens was sealed by that sender.
   */
  static java.util.Optional<org.bouncycastle.crypto.hpke.HPKEContext> receiver(byte[] privateKey, byte[] enc, byte[] info,
      byte[] senderPublic) {
    if (enc == null || enc.length != KEY_BYTES || senderPublic == null || senderPublic.length != KEY_BYTES) {
      return java.util.Optional.empty();
    }
    X25519PrivateKeyParameters key = new X25519PrivateKeyParameters(privateKey, 0);
    try {
      return java.util.Optional.of(authHpke().setupAuthR(enc, new AsymmetricCipherKeyPair(key.generatePublicKey(), key), info,
          new X25519PublicKeyParameters(senderPublic, 0)));
    } catch (IllegalArgumentException | IllegalStateException e) {
      return java.util.Optional.empty();
    }
  }

  /** A new X25519 private key, 32 raw bytes. */
  public static byte[] newPrivateKey() {
    return new X25519PrivateKeyParameters(RANDOM).getEncoded();
  }

  /** The public key, 32 raw bytes, of a private one. */
  public static byte[] publicKey(byte[] privateKey) {
    return new X25519PrivateKeyParameters(privateKey, 0).generatePublicKey().getEncoded();
  }

  /**
   * Seals {@code plaintext} to {@code recipient} (32 raw bytes), bound to {@code info} and {@code aad}.
   * Base mode authenticates no sender: whoever may send can seal anything; only changes to what was
   * sealed are detected.
   */
  public static Sealed seal(byte[] recipient, byte[] info, byte[] aad, byte[] plaintext) {
    if (recipient == null || recipient.length != KEY_BYTES) {
      throw new IllegalArgumentException("an X25519 public key is 32 bytes");
    }
    try {
      byte[][] out = hpke().seal(new X25519PublicKeyParameters(recipient, 0), info, aad, plaintext, null, null, null);
      return new Sealed(out[1], out[0]);
    } catch (InvalidCipherTextException | IllegalStateException e) {
      // Bouncy Castle refuses a key whose agreement gives nothing (a small-order point).
      throw new IllegalArgumentException("not a usable X25519 public key", e);
    }
  }

  /**
   * Opens what was sealed to the key pair of {@code privateKey} under {@code info} and {@code aad};
   * empty when it does not open (another key, other associated data, any change to it).
   */
  public static java.util.Optional<byte[]> open(byte[] privateKey, Sealed sealed, byte[] info, byte[] aad) {
    if (sealed.enc() == null || sealed.enc().length != KEY_BYTES || sealed.ciphertext() == null) {
      return java.util.Optional.empty();
    }
    X25519PrivateKeyParameters key = new X25519PrivateKeyParameters(privateKey, 0);
    try {
      return java.util.Optional.of(hpke().open(sealed.enc(), new AsymmetricCipherKeyPair(key.generatePublicKey(), key), info, aad,
          sealed.ciphertext(), null, null, null));
    } catch (InvalidCipherTextException | IllegalArgumentException | IllegalStateException e) {
      return java.util.Optional.empty();
    }
  }
}
