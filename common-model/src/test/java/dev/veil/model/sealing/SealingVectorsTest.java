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

    JsonNode results = VeilJson.strict().readTree(Files.readAllBytes(VECTORS)).get("results");
    assertThat(results.size()).isGreaterThanOrEqualTo(2);
    for (JsonNode vector : results) {
      String owner = vector.get("owner").asString();
      byte[] privateKey = Base64.getUrlDecoder().decode(vector.get("ownerPrivateKey").asString());
      RecipientKey key = VeilJson.strict().treeToValue(vector.get("recipient"), RecipientKey.class);
      assertThat(key.verifiedFor(owner)).hasValueSatisfying(raw -> assertThat(raw).isEqualTo(Hpke.publicKey(privateKey)));
      String nodeId = vector.get("nodeId").asString();
      byte[] nodeKey = VeilJson.strict().treeToValue(vector.get("nodeEncryptionKey"), NodeEncryptionKey.class).verifiedFor(nodeId)
          .orElseThrow();
      java.io.ByteArrayOutputStream opened = new java.io.ByteArrayOutputStream();
      SealedResult.open(privateKey, nodeKey, vector.get("jobId").asString(), nodeId,
          new java.io.ByteArrayInputStream(VeilJson.write(vector.get("sealed"))), opened);
      assertThat(opened.toString(StandardCharsets.UTF_8)).isEqualTo(vector.get("plaintext").asString());
      assertThat(vector.get("sealed").get("chunks").size()).isGreaterThan(1);
      JsonNode log = vector.get("log");
      SealedLog.Opener opener = SealedLog.Opener.of(privateKey, nodeKey, vector.get("jobId").asString(), nodeId,
          log.get("sealed").asString());
      for (JsonNode event : log.get("events")) {
        assertThat(new String(opener.open(event.get("event").asString(), event.get("id").asString(), event.get("data").asString()),
            StandardCharsets.UTF_8)).isEqualTo(event.get("plaintext").asString());
      }
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
    assertThat(said).contains((vectors.size() + results.size()) + " sealing vector(s) check");
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
    List<Map<String, Object>> results = new ArrayList<>();
    String[][] resultCases = {
        {"result-in-chunks", "{\"opStates\":[{\"operationId\":\"hello-world\",\"logs\":[{\"type\":\"stdout\","
            + "\"log\":\"hello world\"}],\"exitCode\":0}],\"status\":\"success\"}", "16"},
        {"non-ascii-result", "{\"opStates\":[{\"operationId\":\"grüße\",\"logs\":[{\"type\":\"stdout\",\"log\":\"秘密 ✓\"}]}]}",
            "7"}};
    for (String[] c : resultCases) {
      KeyPair owner = Ed25519.generate();
      String ownerId = Ed25519.id(owner.getPublic());
      byte[] privateKey = Hpke.newPrivateKey();
      String jobId = Ed25519.id(Ed25519.generate().getPublic());
      KeyPair node = Ed25519.generate();
      String nodeId = Ed25519.id(node.getPublic());
      byte[] nodePrivate = Hpke.newPrivateKey();
      byte[] plaintext = c[1].getBytes(StandardCharsets.UTF_8);
      Map<String, Object> vector = new LinkedHashMap<>();
      vector.put("name", c[0]);
      vector.put("owner", ownerId);
      vector.put("ownerPrivateKey", Base64.getUrlEncoder().withoutPadding().encodeToString(privateKey));
      vector.put("recipient", RecipientKey.signed(ownerId, owner.getPrivate(), Hpke.publicKey(privateKey)));
      vector.put("jobId", jobId);
      vector.put("nodeId", nodeId);
      vector.put("nodeEncryptionKey", NodeEncryptionKey.signed(nodeId, node.getPrivate(), Hpke.publicKey(nodePrivate)));
      vector.put("plaintext", c[1]);
      vector.put("sealed", VeilJson.strict().readTree(
          SealedResultTest.seal(plaintext, Hpke.publicKey(privateKey), nodePrivate, jobId, nodeId, Integer.parseInt(c[2]))));
      SealedLog.Sealer sealer = SealedLog.Sealer.to(Hpke.publicKey(privateKey), nodePrivate, jobId, nodeId);
      List<Map<String, Object>> events = new ArrayList<>();
      String[][] stream = {{"log", "1", "{\"opId\":\"op\",\"type\":\"stdout\",\"log\":\"first\"}"},
          {"log", "2", "{\"opId\":\"op\",\"type\":\"stderr\",\"log\":\"second\"}"},
          {"end", "", "{\"status\":\"success\",\"lines\":2}"}};
      for (String[] e : stream) {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("event", e[0]);
        event.put("id", e[1]);
        event.put("plaintext", e[2]);
        event.put("data", new String(sealer.seal(e[0], e[1], e[2].getBytes(StandardCharsets.UTF_8)), StandardCharsets.US_ASCII));
        events.add(event);
      }
      Map<String, Object> log = new LinkedHashMap<>();
      log.put("sealed", new String(sealer.header(), StandardCharsets.US_ASCII));
      log.put("events", events);
      vector.put("log", log);
      results.add(vector);
    }
    Map<String, Object> file = new LinkedHashMap<>();
    file.put("about", "Sealed definitions, sealed results and sealed live logs (spec/node-routes.md), made by Veil's code; "
        + "the recipient's "
        + "X25519 private key is given so that any implementation can open them. scripts/check-sealing-vectors.py checks "
        + "them independently.");
    file.put("vectors", vectors);
    file.put("results", results);
    Files.write(VECTORS, VeilJson.strict().writerWithDefaultPrettyPrinter().writeValueAsBytes(file));
  }
}
