package dev.veil.model.sealing;

import dev.veil.model.auth.Ed25519;
import java.util.Base64;
import java.util.Optional;

/** What node and owner encryption keys share: base64url without padding, an Ed25519 signature by the key's holder. */
final class SignedKeys {

  static final int SIGNATURE_BYTES = 64;

  private SignedKeys() {}

  /**
   * The raw X25519 key, when {@code publicKey} is one and {@code signature} is the Ed25519
   * signature of {@code statement} by {@code signerId}'s key; else empty.
   */
  static Optional<byte[]> verified(String signerId, byte[] statement, String publicKey, String signature) {
    Optional<byte[]> key = decode(publicKey).filter(raw -> raw.length == Hpke.KEY_BYTES);
    Optional<byte[]> sig = decode(signature);
    if (key.isEmpty() || sig.isEmpty() || signerId == null) {
      return Optional.empty();
    }
    return Ed25519.publicKey(signerId)
        .filter(signer -> Ed25519.verify(signer, statement, sig.get()))
        .map(signer -> key.get());
  }

  /** Whether the two fields have the shape of a key and a signature, whoever signed. */
  static boolean wellFormed(String publicKey, String signature) {
    return decode(publicKey).filter(raw -> raw.length == Hpke.KEY_BYTES).isPresent()
        && decode(signature).filter(raw -> raw.length == SIGNATURE_BYTES).isPresent();
  }

  static String encode(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  static Optional<byte[]> decode(String text) {
    if (text == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Base64.getUrlDecoder().decode(text));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
