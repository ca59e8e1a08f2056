package dev.veil.model.sealing;

import dev.veil.model.auth.Ed25519;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.util.Optional;

/**
 * A job owner's X25519 key to seal the job's result to, named in the template's
 * {@code logistics.receive.args.recipient} and signed by the owner's Ed25519 key (the key that
 * posts the job), so the host seals to the owner's key and nobody else's, whoever carried the
 * template.
 *
 * @param publicKey the X25519 public key, 32 bytes, base64url without padding
 * @param signature the owner's Ed25519 signature of {@link #statement}, base64url without padding
 */
public record RecipientKey(String publicKey, String signature) {

  /**
   * What the owner signs: {@code "veil owner encryption key v1\n" + owner + "\n" + publicKey}
   * (UTF-8), {@code owner} being the owner's public key as the market shows it.
   */
  public static byte[] statement(String owner, String publicKey) {
    return ("veil owner encryption key v1\n" + owner + "\n" + publicKey).getBytes(StandardCharsets.UTF_8);
  }

  /** The owner's key, signed with the owner's Ed25519 key. */
  public static RecipientKey signed(String owner, PrivateKey ownerKey, byte[] x25519PublicKey) {
    String key = SignedKeys.encode(x25519PublicKey);
    return new RecipientKey(key, SignedKeys.encode(Ed25519.sign(ownerKey, statement(owner, key))));
  }

  /** The raw X25519 key, when it is well formed and {@code owner} signed it; else empty. */
  public Optional<byte[]> verifiedFor(String owner) {
    return SignedKeys.verified(owner, statement(owner, publicKey), publicKey, signature);
  }

  /** Whether it has the shape of a key and a signature (who signed is checked by {@link #verifiedFor}). */
  public boolean wellFormed() {
    return SignedKeys.wellFormed(publicKey, signature);
  }
}
