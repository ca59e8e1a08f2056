package dev.veil.model.auth;

import dev.veil.model.id.Base58;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Optional;

/**
 * Ed25519 with the JDK's own provider. A public key travels as base58 of its 32 raw bytes: that
 * string is a client's identity (the owner of its jobs) or a node's ID.
 */
public final class Ed25519 {

  /** Raw public key length. */
  public static final int PUBLIC_KEY_BYTES = 32;
  /** Signature length. */
  public static final int SIGNATURE_BYTES = 64;
  // DER prefix of an X.509 SubjectPublicKeyInfo for Ed25519 (OID 1.3.101.112), before the 32 raw bytes.
  private static final byte[] X509_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

  private Ed25519() {}

  /** A new key pair from the platform's secure random source. */
  public static KeyPair generate() {
    try {
      return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 is part of every Java 15+ platform", e);
    }
  }

  /** base58 of the 32 raw bytes of {@code key}: a client identity or node ID. */
  public static String id(PublicKey key) {
    byte[] encoded = key.getEncoded();
    return Base58.encode(Arrays.copyOfRange(encoded, encoded.length - PUBLIC_KEY_BYTES, encoded.length));
  }

  /** The public key a base58 ID stands for, or empty if it is not 32 base58-encoded bytes of a valid key. */
  public static Optional<PublicKey> publicKey(String id) {
    return Base58.decode(id, PUBLIC_KEY_BYTES).flatMap(raw -> {
      byte[] der = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + PUBLIC_KEY_BYTES);
      System.arraycopy(raw, 0, der, X509_PREFIX.length, PUBLIC_KEY_BYTES);
      try {
        return Optional.of(KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der)));
      } catch (GeneralSecurityException e) {
        return Optional.empty();
      }
    });
  }

  /** Signs {@code message}. */
  public static byte[] sign(PrivateKey key, byte[] message) {
    try {
      Signature signer = Signature.getInstance("Ed25519");
      signer.initSign(key);
      signer.update(message);
      return signer.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not an Ed25519 private key", e);
    }
  }

  /** True when {@code signature} is {@code key}'s valid signature of {@code message}; false for anything malformed. */
  public static boolean verify(PublicKey key, byte[] message, byte[] signature) {
    if (signature == null || signature.length != SIGNATURE_BYTES) {
      return false;
    }
    try {
      Signature verifier = Signature.getInstance("Ed25519");
      verifier.initVerify(key);
      verifier.update(message);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
