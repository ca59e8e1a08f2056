package dev.veil.model.sealing;

import dev.veil.model.json.VeilJson;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A private definition sealed to the host that claimed its job, sent to it as
 * {@code POST /job-definition/{jobId}} with {@code Content-Type: }{@value #MEDIA_TYPE}.
 * The plaintext is the definition's JSON (as in {@code {"jobDefinition": ...}}'s value); the
 * associated data binds it to one job and one node, so it opens nowhere else:
 * {@code "veil sealed definition v1\n" + jobId + "\n" + nodeId}; {@code info} is
 * {@value #INFO}.
 *
 * @param suite      {@link Hpke#SUITE}
 * @param enc        the encapsulated key, base64url without padding
 * @param ciphertext the sealed definition with its tag, base64url without padding
 */
public record SealedDefinition(String suite, String enc, String ciphertext) {

  public static final String MEDIA_TYPE = "application/veil.sealed-definition+json";
  public static final String INFO = "veil/v1 definition";

  static byte[] aad(String jobId, String nodeId) {
    return ("veil sealed definition v1\n" + jobId + "\n" + nodeId).getBytes(StandardCharsets.UTF_8);
  }

  /** Seals the definition's JSON to the node's X25519 key, for that job on that node. */
  public static SealedDefinition seal(byte[] definitionJson, byte[] nodeKey, String jobId, String nodeId) {
    Hpke.Sealed sealed = Hpke.seal(nodeKey, INFO.getBytes(StandardCharsets.UTF_8), aad(jobId, nodeId), definitionJson);
    return new SealedDefinition(Hpke.SUITE, NodeEncryptionKey.encode(sealed.enc()), NodeEncryptionKey.encode(sealed.ciphertext()));
  }

  /** The definition's JSON, when this was sealed with this suite to the node's key for that job on that node; else empty. */
  public Optional<byte[]> open(byte[] nodePrivateKey, String jobId, String nodeId) {
    if (!Hpke.SUITE.equals(suite)) {
      return Optional.empty();
    }
    Optional<byte[]> encBytes = NodeEncryptionKey.decode(enc);
    Optional<byte[]> ct = NodeEncryptionKey.decode(ciphertext);
    if (encBytes.isEmpty() || ct.isEmpty()) {
      return Optional.empty();
    }
    return Hpke.open(nodePrivateKey, new Hpke.Sealed(encBytes.get(), ct.get()), INFO.getBytes(StandardCharsets.UTF_8),
        aad(jobId, nodeId));
  }

  public byte[] toJson() {
    return VeilJson.write(this);
  }
}
