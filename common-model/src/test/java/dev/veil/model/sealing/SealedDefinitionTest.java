package dev.veil.model.sealing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.auth.Ed25519;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class SealedDefinitionTest {

  final byte[] nodePrivate = Hpke.newPrivateKey();
  final byte[] nodePublic = Hpke.publicKey(nodePrivate);
  final byte[] definition = "{\"version\":\"0.1\",\"type\":\"container\",\"ops\":[]}".getBytes(StandardCharsets.UTF_8);

  @Test
  void opensWithTheNodesKeyForThatJobOnThatNodeOnly() {
    SealedDefinition sealed = SealedDefinition.seal(definition, nodePublic, "job-1", "node-a");

    assertThat(sealed.suite()).isEqualTo(Hpke.SUITE);
    assertThat(new String(Base64.getUrlDecoder().decode(sealed.ciphertext()), StandardCharsets.ISO_8859_1)).doesNotContain("container");
    assertThat(sealed.open(nodePrivate, "job-1", "node-a")).hasValueSatisfying(opened -> assertThat(opened).isEqualTo(definition));
    assertThat(sealed.open(nodePrivate, "job-2", "node-a")).as("another job").isEmpty();
    assertThat(sealed.open(nodePrivate, "job-1", "node-b")).as("another node's ID").isEmpty();
    assertThat(sealed.open(Hpke.newPrivateKey(), "job-1", "node-a")).as("another node's key").isEmpty();
  }

  @Test
  void anyChangeOnTheWayIsRefused() {
    SealedDefinition sealed = SealedDefinition.seal(definition, nodePublic, "job-1", "node-a");
    byte[] ciphertext = Base64.getUrlDecoder().decode(sealed.ciphertext());
    ciphertext[3] ^= 1;
    String changed = Base64.getUrlEncoder().withoutPadding().encodeToString(ciphertext);

    assertThat(new SealedDefinition(sealed.suite(), sealed.enc(), changed).open(nodePrivate, "job-1", "node-a")).isEmpty();
    assertThat(new SealedDefinition("HPKE-Base/X25519-HKDF-SHA256/HKDF-SHA256/AES-128-GCM", sealed.enc(), sealed.ciphertext())
        .open(nodePrivate, "job-1", "node-a")).as("another suite named").isEmpty();
    assertThat(new SealedDefinition(sealed.suite(), "not*base64", sealed.ciphertext()).open(nodePrivate, "job-1", "node-a")).isEmpty();
    assertThat(new SealedDefinition(sealed.suite(), "AAAA", sealed.ciphertext()).open(nodePrivate, "job-1", "node-a")).isEmpty();
    assertThat(new SealedDefinition(sealed.suite(), sealed.enc(), null).open(nodePrivate, "job-1", "node-a")).isEmpty();
  }

  @Test
  void aNodesKeyIsTrustedOnlyWithItsNodeKeysSignature() {
    KeyPair node = Ed25519.generate();
    String nodeId = Ed25519.id(node.getPublic());
    NodeEncryptionKey key = NodeEncryptionKey.signed(nodeId, node.getPrivate(), nodePublic);

    assertThat(key.verifiedFor(nodeId)).hasValueSatisfying(raw -> assertThat(raw).isEqualTo(nodePublic));
    String otherNode = Ed25519.id(Ed25519.generate().getPublic());
    assertThat(key.verifiedFor(otherNode)).as("read for another node ID").isEmpty();
    String otherKey = Base64.getUrlEncoder().withoutPadding().encodeToString(Hpke.publicKey(Hpke.newPrivateKey()));
    assertThat(new NodeEncryptionKey(otherKey, key.signature()).verifiedFor(nodeId)).as("a key swapped in").isEmpty();
    assertThat(new NodeEncryptionKey(key.publicKey(), null).verifiedFor(nodeId)).isEmpty();
    assertThat(new NodeEncryptionKey("short", key.signature()).verifiedFor(nodeId)).isEmpty();
  }
}
