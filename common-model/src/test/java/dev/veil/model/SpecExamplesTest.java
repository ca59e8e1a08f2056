package dev.veil.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.veil.model.job.Expose;
import dev.veil.model.job.JobDefinition;
import dev.veil.model.job.JobDefinitionRequest;
import dev.veil.model.job.RunOperation;
import dev.veil.model.json.MalformedJsonException;
import dev.veil.model.json.VeilJson;
import dev.veil.model.result.ServiceStatus;
import dev.veil.model.result.ServiceUrls;
import dev.veil.model.validation.DefinitionRole;
import dev.veil.model.validation.JobDefinitionValidator;
import dev.veil.model.validation.Violation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

class SpecExamplesTest {

  private static final List<String> JOB_FILES = List.of(
      "public-job.json", "private-send-template.json", "private-receive-template.json",
      "private-send-receive-template.json", "private-expose-job.json");

  @ParameterizedTest
  @ValueSource(strings = {"public-job.json", "private-send-template.json", "private-receive-template.json",
      "private-send-receive-template.json", "private-expose-job.json"})
  void everyJobExampleReSerialisesEqualToTheFile(String name) {
    String text = SpecExamples.read(name);
    JobDefinition definition = VeilJson.readJobFile(text);

    JsonNode original = VeilJson.lenient().readTree(text);
    JsonNode written = VeilJson.strict().readTree(VeilJson.write(definition));

    assertThat(written).isEqualTo(original);
  }

  @Test
  void definitionRequestAndServiceUrlResponseReSerialiseEqual() {
    for (var example : List.of(
        new Object[] {"job-definition-request.json", JobDefinitionRequest.class},
        new Object[] {"service-url-response.json", ServiceUrls.class})) {
      String text = SpecExamples.read((String) example[0]);
      Object parsed = VeilJson.readStrict(text.getBytes(), (Class<?>) example[1]);
      assertThat(VeilJson.strict().readTree(VeilJson.write(parsed)))
          .as((String) example[0])
          .isEqualTo(VeilJson.strict().readTree(text));
    }
  }

  @Test
  void everyJobExampleIsValidAsATemplate() {
    for (String name : JOB_FILES) {
      assertThat(JobDefinitionValidator.validate(VeilJson.readJobFile(SpecExamples.read(name)), DefinitionRole.TEMPLATE))
          .as(name).isEmpty();
    }
  }

  @Test
  void postableExamplesAreValidToPost() {
    for (String name : List.of("public-job.json", "private-send-template.json",
        "private-send-receive-template.json", "private-expose-job.json")) {
      assertThat(JobDefinitionValidator.validate(VeilJson.readJobFile(SpecExamples.read(name)), DefinitionRole.POSTED))
          .as(name).isEmpty();
    }
  }

  @Test
  void receiveOnlyTemplateNeedsOpsBeforeItIsPosted() {
    JobDefinition template = VeilJson.readJobFile(SpecExamples.read("private-receive-template.json"));

    assertThat(template.receivesResultPrivately()).isTrue();
    assertThat(template.sendsDefinitionPrivately()).isFalse();
    assertThat(JobDefinitionValidator.validate(template, DefinitionRole.POSTED))
        .containsExactly(new Violation("/ops", "must not be empty unless logistics.send is 'api-listen'"));
  }

  @Test
  void sendTemplatesAskForPrivateDefinition() {
    assertThat(VeilJson.readJobFile(SpecExamples.read("private-send-template.json")).sendsDefinitionPrivately()).isTrue();
    JobDefinition both = VeilJson.readJobFile(SpecExamples.read("private-send-receive-template.json"));
    assertThat(both.sendsDefinitionPrivately()).isTrue();
    assertThat(both.receivesResultPrivately()).isTrue();
    JobDefinition open = VeilJson.readJobFile(SpecExamples.read("public-job.json"));
    assertThat(open.sendsDefinitionPrivately()).isFalse();
    assertThat(open.receivesResultPrivately()).isFalse();
  }

  @Test
  void definitionRequestCarriesAValidPrivateDefinition() {
    JobDefinitionRequest request = VeilJson.readStrict(
        SpecExamples.read("job-definition-request.json").getBytes(), JobDefinitionRequest.class);

    assertThat(JobDefinitionValidator.validate(request.jobDefinition(), DefinitionRole.PRIVATE_DEFINITION)).isEmpty();
    RunOperation op = (RunOperation) request.jobDefinition().ops().get(0);
    assertThat(op.args().cmd().argv()).containsExactly("/bin/sh", "-c", "echo hello world");
    assertThat(op.args().image()).isEqualTo("ubuntu");
  }

  @Test
  void exposeExampleIsPrivateOnPort80WithTheImagesDefaultCommand() {
    JobDefinition job = VeilJson.readJobFile(SpecExamples.read("private-expose-job.json"));
    RunOperation nginx = (RunOperation) job.ops().get(0);

    assertThat(nginx.args().privateExpose()).isTrue();
    assertThat(nginx.args().expose()).isEqualTo(new Expose.Single(80));
    assertThat(nginx.args().cmd().argv()).isEmpty();
  }

  @Test
  void serviceUrlExampleIsOnline() {
    ServiceUrls urls = VeilJson.readStrict(SpecExamples.read("service-url-response.json").getBytes(), ServiceUrls.class);

    assertThat(urls.status()).isEqualTo(ServiceStatus.ONLINE);
    assertThat(urls.urls()).hasSize(1).allSatisfy((id, url) -> {
      assertThat(url.port()).isEqualTo(80);
      assertThat(url.url()).isEqualTo("https://" + id + ".node.k8s.dev.nos.ci");
    });
  }

  @Test
  void pastedExamplesWithCommentsAreRefusedByTheStrictReaderSayingWhere() {
    byte[] pasted = SpecExamples.read("private-expose-job.json").getBytes();

    assertThatThrownBy(() -> VeilJson.readStrict(pasted, JobDefinition.class))
        .isInstanceOfSatisfying(MalformedJsonException.class, e -> {
          assertThat(e.getMessage()).startsWith("not valid JSON");
          assertThat(e.line()).isEqualTo(15);
        });
  }

  /** The repository keeps its own copy of the contract so a clone is self-contained; it must not drift. */
  @Test
  void repositoryCopyMatchesTheSharedContract() throws IOException {
    Path shared = SpecExamples.DIR.getParent().getParent().resolve("shared").resolve("spec");
    if ("true".equals(System.getenv("CI"))) {
      assertThat(shared).as("CI checks out shared/ beside the repository").isDirectory();
    }
    assumeTrue(Files.isDirectory(shared), "no shared/spec beside this checkout to compare with");
    try (Stream<Path> files = Files.list(shared)) {
      for (Path file : files.toList()) {
        assertThat(SpecExamples.DIR.resolve(file.getFileName().toString())).as(file.getFileName().toString())
            .hasSameBinaryContentAs(file);
      }
    }
  }
}
