package dev.veil.model.json;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.SpecExamples;
import dev.veil.model.job.JobDefinition;
import dev.veil.model.job.JobDefinitionRequest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CanonicalJsonTest {

  private static JobDefinition seedDefinition() {
    return VeilJson.readStrict(SpecExamples.read("job-definition-request.json").getBytes(), JobDefinitionRequest.class)
        .jobDefinition();
  }

  @Test
  void canonicalFormSortsKeysAndDropsWhitespace() {
    assertThat(new String(CanonicalJson.bytes(seedDefinition()), StandardCharsets.UTF_8)).isEqualTo(
        "{\"meta\":{\"trigger\":\"cli\"},\"ops\":[{\"args\":{\"cmd\":\"echo hello world\",\"image\":\"ubuntu\"},"
            + "\"id\":\"hello-world\",\"type\":\"container/run\"}],\"type\":\"container\",\"version\":\"0.1\"}");
  }

  @Test
  void hashIsTheSha256OfTheCanonicalBytes() {
    // printf '%s' '<the canonical form above>' | sha256sum
    assertThat(CanonicalJson.sha256(seedDefinition())).isEqualTo("68e7d72d16e0825493884f5dba87547a9553d666a1f59de7090920b5974b06d0");
  }

  @Test
  void thePublicSeedJobAndThePrivatelySentOneAreTheSameDefinition() {
    assertThat(CanonicalJson.sha256(VeilJson.readJobFile(SpecExamples.read("public-job.json"))))
        .isEqualTo(CanonicalJson.sha256(seedDefinition()));
  }

  @Test
  void layoutCommentsAndKeyOrderDoNotChangeTheHash() {
    JobDefinition reordered = VeilJson.readJobFile("""
        {
          // same job, keys in another order, with a comment and a trailing comma
          "ops": [{"args": {"image": "ubuntu", "cmd": "echo hello world"}, "id": "hello-world", "type": "container/run"}],
          "type": "container", "meta": {"trigger": "cli"}, "version": "0.1",
        }""");

    assertThat(CanonicalJson.sha256(reordered)).isEqualTo(CanonicalJson.sha256(seedDefinition()));
  }

  @Test
  void anyChangeOfValueChangesTheHash() {
    JobDefinition changed = VeilJson.readJobFile(
        SpecExamples.read("public-job.json").replace("echo hello world", "echo hello world!"));

    assertThat(CanonicalJson.sha256(changed)).isNotEqualTo(CanonicalJson.sha256(seedDefinition()));
    assertThat(CanonicalJson.sha256(seedDefinition())).matches("[0-9a-f]{64}");
  }
}
