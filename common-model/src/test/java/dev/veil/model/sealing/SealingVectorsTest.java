package dev.veil.model.sealing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.veil.model.SpecExamples;
import dev.veil.model.auth.Ed25519;
import dev.veil.model.json.VeilJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The test vectors of spec/sealing-vectors.json, made by this code (run with
 * {@code -Dveil.sealing.vectors.write=true} to make them anew), opened by it, and checked by an
 * independent implementation written from RFC 9180 and spec/node-routes.md alone
 * ({@code scripts/check-sealing-vectors.py}, on Python's {@code cryptography}).
 */
class SealingVectorsTest {

  static final Path VECTORS = SpecExamples.DIR.resolve("sealing-vectors.json");
  static final Path CHECKER = SpecExamples.DIR.getParent().resolve("scripts").resolve("check-sealing-vectors.py");

  @Test
  void theVectorsOpenHereAndInAnIndependentImplementation() throws Exception {
    if (Boolean.getBoolean("veil.sealing.vectors.write")) {
      write();
    }
    JsonNode vectors = VeilJson.strict().readTree(Files.readAllBytes(VECTORS)).get("vectors");
    assertThat(vectors.size()).isGreaterThanOrEqualTo(2);
    for (JsonNode vector : vectors) {
      String nodeId = vector.get("nodeId").asString();
      byte[] privateKey = Base64.getUrlDecoder().decode(vector.get("nodePrivateKey").asString());
      NodeEncryptionKey key = VeilJson.strict().treeToValue(vector.get("encryptionKey"), NodeEncryptionKey.class);
      assertThat(key.verifiedFor(nodeId)).hasValueSatisfying(raw -> assertThat(raw).isEqualTo(Hpke.publicKey(privateKey)));
      SealedDefinition sealed = VeilJson.strict().treeToValue(vector.get("sealed"), SealedDefinition.class);
      assertThat(sealed.open(privateKey, vector.get("jobId").asString(), nodeId))
          .hasValueSatisfying(opened -> assertThat(new String(opened, StandardCharsets.UTF_8)).isEqualTo(vector.get("plaintext").asString()));
    }

    boolean python = python3HasCryptography();
    if ("true".equals(System.getenv("CI"))) {
      assertThat(python).as("python3 with its cryptography package (./veil test installs python3-cryptography)").isTrue();
    }
    assumeTrue(python, "python3 with the cryptography package is not here: the independent check cannot run");
    Process check = new ProcessBuilder("python3", CHECKER.toString(), VECTORS.toString()).redirectErrorStream(true).start();
    String said = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(check.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(check.exitValue()).as(said).isZero();
    assertThat(said).contains(vectors.size() + " sealing vector(s) check");
  }

  static boolean python3HasCryptography() throws InterruptedException {
    try {
      Process probe = new ProcessBuilder("python3", "-c", "import cryptography.hazmat.primitives.asymmetric.x25519")
          .redirectErrorStream(true).start();
      probe.getInputStream().readAllBytes();
      return probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0;
    } catch (IOException noPython) {
      return false;
    }
  }

  // Makes the vectors: fresh keys, the spec's definition and one with non-ASCII text.
  private static void write() throws IOException {
    List<Map<String, Object>> vectors = new ArrayList<>();
    String[][] cases = {
        {"spec-definition", "{\"version\":\"0.1\",\"type\":\"container\",\"meta\":{\"trigger\":\"cli\"},\"ops\":[{\"type\":"
            + "\"container/run\",\"id\":\"hello-world\",\"args\":{\"cmd\":\"echo hello world\",\"image\":\"ubuntu\"}}]}"},
        {"non-ascii", "{\"version\":\"0.1\",\"type\":\"container\",\"ops\":[{\"type\":\"container/run\",\"id\":\"grüße\","
            + "\"args\":{\"cmd\":\"echo 秘密 ✓\",\"image\":\"ubuntu\"}}]}"}};
    for (String[] c : cases) {
      KeyPair node = Ed25519.generate();
      String nodeId = Ed25519.id(node.getPublic());
      byte[] privateKey = Hpke.newPrivateKey();
      String jobId = Ed25519.id(Ed25519.generate().getPublic());
      Map<String, Object> vector = new LinkedHashMap<>();
      vector.put("name", c[0]);
      vector.put("nodeId", nodeId);
      vector.put("nodePrivateKey", Base64.getUrlEncoder().withoutPadding().encodeToString(privateKey));
      vector.put("encryptionKey", NodeEncryptionKey.signed(nodeId, node.getPrivate(), Hpke.publicKey(privateKey)));
      vector.put("jobId", jobId);
      vector.put("plaintext", c[1]);
      vector.put("sealed", SealedDefinition.seal(c[1].getBytes(StandardCharsets.UTF_8), Hpke.publicKey(privateKey), jobId, nodeId));
      vectors.add(vector);
    }
    Map<String, Object> file = new LinkedHashMap<>();
    file.put("about", "Sealed definitions (spec/node-routes.md), made by Veil's code; the node's X25519 private key is "
        + "given so that any implementation can open them. scripts/check-sealing-vectors.py checks them independently.");
    file.put("vectors", vectors);
    Files.write(VECTORS, VeilJson.strict().writerWithDefaultPrettyPrinter().writeValueAsBytes(file));
  }
}
