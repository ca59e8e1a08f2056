package dev.veil.model.sealing;

import dev.veil.model.auth.Ed25519;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.util.Optional;

/**
 * A node's X25519 encryption key, signed by the node's Ed25519 key: whoever knows the node ID
 * (its Ed25519 public key) verifies that the key is the node's, trusting nothing in between.
 *
 * @param publicKey the X25519 public key, 32 bytes, base64url without padding
 * @param signature the node key's Ed25519 signature of {@link #statement}, base64url without padding
 */
public record NodeEncryptionKey(String publicKey, String signature) {

  /**
   * What the node signs: {@code "veil node encryption key v1\n" + nodeId + "\n" + publicKey}
   * (UTF-8), so a signature is good for this key of this node and nothing else.
   */
  public static byte[] statement(String nodeId, String publicKey) {
    return ("veil node encryption key v1\n" + nodeId + "\n" + publicKey).getBytes(StandardCharsets.UTF_8);
  }

  /** The key of a node, signed with its node key. */
  public static NodeEncryptionKey signed(String nodeId, PrivateKey nodeKey, byte[] x25519PublicKey) {
    String key = encode(x25519PublicKey);
    return new NodeEncryptionKey(key, encode(Ed25519.sign(nodeKey, statement(nodeId, key))));
  }

  /** The raw X25519 key, when it is well formed and the node {@code nodeId} signed it; else empty. */
  public Optional<byte[]> verifiedFor(String nodeId) {
    return SignedKeys.verified(nodeId, statement(nodeId, publicKey), publicKey, signature);
  }

  static String encode(byte[] bytes) {
    return SignedKeys.encode(bytes);
  }

  static Optional<byte[]> decode(String text) {
    return SignedKeys.decode(text);
  }
}
