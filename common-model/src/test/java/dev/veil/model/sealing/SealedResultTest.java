package dev.veil.model.sealing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.model.auth.Ed25519;
import dev.veil.model.json.VeilJson;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

class SealedResultTest {

  final byte[] ownerPrivate = Hpke.newPrivateKey();
  final byte[] ownerPublic = Hpke.publicKey(ownerPrivate);
  static final byte[] NODE_PRIVATE = Hpke.newPrivateKey();
  static final byte[] NODE_PUBLIC = Hpke.publicKey(NODE_PRIVATE);
  final byte[] result = result(3 * SealedResult.CHUNK + 123);

  static byte[] result(int size) {
    byte[] bytes = new byte[size];
    new Random(7).nextBytes(bytes);
    byte[] marker = "SECRET-RESULT-MARKER".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(marker, 0, bytes, 0, marker.length);
    return bytes;
  }

  /** Seals as the host does: chunks of {@code chunk} bytes, the last one flagged. */
  static byte[] seal(byte[] plaintext, byte[] recipient, String jobId, String nodeId, int chunk) {
    return seal(plaintext, recipient, NODE_PRIVATE, jobId, nodeId, chunk);
  }

  static byte[] seal(byte[] plaintext, byte[] recipient, byte[] nodePrivate, String jobId, String nodeId, int chunk) {
    SealedResult.Writer writer = SealedResult.Writer.to(recipient, nodePrivate, jobId, nodeId);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(writer.head());
    int at = 0;
    do {
      int length = Math.min(chunk, plaintext.length - at);
      byte[] part = java.util.Arrays.copyOfRange(plaintext, at, at + length);
      at += length;
      out.writeBytes(writer.chunk(part, length, at == plaintext.length));
    } while (at < plaintext.length);
    return out.toByteArray();
  }

  static byte[] open(byte[] privateKey, String jobId, String nodeId, byte[] document) throws SealedResult.NotOpened, IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SealedResult.open(privateKey, NODE_PUBLIC, jobId, nodeId, new ByteArrayInputStream(document), out);
    return out.toByteArray();
  }

  @Test
  void opensWholeWithTheOwnersKeyForThatJobOnThatNodeOnly() throws Exception {
    byte[] sealed = seal(result, ownerPublic, "job-1", "node-a", SealedResult.CHUNK);

    assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("SECRET-RESULT-MARKER");
    JsonNode document = VeilJson.strict().readTree(sealed);
    assertThat(document.get("suite").asString()).isEqualTo(Hpke.AUTH_SUITE);
    assertThat(document.get("chunks").size()).isEqualTo(4);
    assertThat(open(ownerPrivate, "job-1", "node-a", sealed)).isEqualTo(result);
    assertThatThrownBy(() -> open(Hpke.newPrivateKey(), "job-1", "node-a", sealed)).as("another key")
        .isInstanceOf(SealedResult.NotOpened.class);
    assertThatThrownBy(() -> open(ownerPrivate, "job-2", "node-a", sealed)).as("another job")
        .isInstanceOf(SealedResult.NotOpened.class);
    assertThatThrownBy(() -> open(ownerPrivate, "job-1", "node-b", sealed)).as("another node")
        .isInstanceOf(SealedResult.NotOpened.class);
  }

  @Test
  void aResultSealedByAnyoneButTheNodeDoesNotOpen() {
    // Whoever knows the owner's public key can seal to it; only the node's key makes a result that opens.
    byte[] forged = seal("{\"status\":\"success\"}".getBytes(StandardCharsets.UTF_8), ownerPublic, Hpke.newPrivateKey(),
        "job-1", "node-a", SealedResult.CHUNK);
    assertThatThrownBy(() -> open(ownerPrivate, "job-1", "node-a", forged)).isInstanceOf(SealedResult.NotOpened.class);
  }

  @Test
  void aSmallResultIsOneChunkAndAnEmptyOneOpensEmpty() throws Exception {
    byte[] small = "{\"status\":\"success\"}".getBytes(StandardCharsets.UTF_8);
    assertThat(open(ownerPrivate, "j", "n", seal(small, ownerPublic, "j", "n", SealedResult.CHUNK))).isEqualTo(small);
    assertThat(open(ownerPrivate, "j", "n", seal(new byte[0], ownerPublic, "j", "n", SealedResult.CHUNK))).isEmpty();
  }

  @Test
  void aResultCutShortReorderedOrChangedDoesNotOpen() {
    byte[] sealed = seal(result, ownerPublic, "job-1", "node-a", SealedResult.CHUNK);
    ObjectNode document = (ObjectNode) VeilJson.strict().readTree(sealed);
    ArrayNode chunks = (ArrayNode) document.get("chunks");
    List<JsonNode> original = new ArrayList<>();
    chunks.forEach(original::add);

    ObjectNode cut = document.deepCopy();
    ((ArrayNode) cut.get("chunks")).remove(3);
    assertThatThrownBy(() -> open(ownerPrivate, "job-1", "node-a", VeilJson.write(cut))).as("last chunk dropped")
        .isInstanceOf(SealedResult.NotOpened.class);

    ObjectNode swapped = document.deepCopy();
    ((ArrayNode) swapped.get("chunks")).set(0, original.get(1));
    ((ArrayNode) swapped.get("chunks")).set(1, original.get(0));
    assertThatThrownBy(() -> open(ownerPrivate, "job-1", "node-a", VeilJson.write(swapped))).as("reordered")
        .isInstanceOf(SealedResult.NotOpened.class);

    ObjectNode changed = document.deepCopy();
    byte[] chunk = Base64.getUrlDecoder().decode(original.get(2).asString());
    chunk[10] ^= 1;
    ((ArrayNode) changed.get("chunks")).set(2, Base64.getUrlEncoder().withoutPadding().encodeToString(chunk));
    assertThatThrownBy(() -> open(ownerPrivate, "job-1", "node-a", VeilJson.write(changed))).as("a bit flipped")
        .isInstanceOf(SealedResult.NotOpened.class);

    assertThatThrownBy(() -> open(ownerPrivate, "job-1", "node-a", "{\"chunks\":[]}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(SealedResult.NotOpened.class);
    assertThatThrownBy(() -> open(ownerPrivate, "job-1", "node-a", "not json".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(SealedResult.NotOpened.class);
    assertThatThrownBy(() -> open(ownerPrivate, "job-1", "node-a", java.util.Arrays.copyOf(sealed, sealed.length - 2)))
        .as("the document cut short").isInstanceOf(SealedResult.NotOpened.class);
  }

  @Test
  void aRecipientKeyIsTrustedOnlyWithItsOwnersSignature() {
    KeyPair owner = Ed25519.generate();
    String ownerId = Ed25519.id(owner.getPublic());
    RecipientKey key = RecipientKey.signed(ownerId, owner.getPrivate(), ownerPublic);

    assertThat(key.wellFormed()).isTrue();
    assertThat(key.verifiedFor(ownerId)).hasValueSatisfying(raw -> assertThat(raw).isEqualTo(ownerPublic));
    assertThat(key.verifiedFor(Ed25519.id(Ed25519.generate().getPublic()))).as("another owner").isEmpty();
    String swappedIn = Base64.getUrlEncoder().withoutPadding().encodeToString(Hpke.publicKey(Hpke.newPrivateKey()));
    assertThat(new RecipientKey(swappedIn, key.signature()).verifiedFor(ownerId)).as("a key swapped in").isEmpty();
    // A node's key signature is no owner's: the statements differ.
    NodeEncryptionKey asNode = NodeEncryptionKey.signed(ownerId, owner.getPrivate(), ownerPublic);
    assertThat(new RecipientKey(asNode.publicKey(), asNode.signature()).verifiedFor(ownerId)).isEmpty();
    assertThat(new RecipientKey("short", key.signature()).wellFormed()).isFalse();
    assertThat(new RecipientKey(key.publicKey(), "AAAA").wellFormed()).isFalse();
  }
}
