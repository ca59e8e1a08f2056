package dev.veil.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.cli.CliException;
import dev.veil.cli.ExitCodes;
import dev.veil.model.job.JobDefinitionRequest;
import dev.veil.model.json.VeilJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The files a user hands to {@code job post} and {@code job send-definition}, read as the spec writes them. */
class DefinitionFileTest {

  private static final Path SPEC = Path.of("..", "spec");

  @TempDir Path dir;

  @Test
  void sendsTheSpecRequestAsItIs() throws IOException {
    JsonNode sent = VeilJson.lenient().readTree(JobCommand.definitionRequest(SPEC.resolve("job-definition-request.json")));
    JsonNode spec = VeilJson.lenient().readTree(Files.readString(SPEC.resolve("job-definition-request.json")));

    assertThat(sent.get("jobDefinition").get("ops")).isEqualTo(spec.get("jobDefinition").get("ops"));
    assertThat(VeilJson.lenient().treeToValue(sent, JobDefinitionRequest.class).jobDefinition().ops()).isNotEmpty();
  }

  @Test
  void wrapsABareDefinition() throws IOException {
    JsonNode spec = VeilJson.lenient().readTree(Files.readString(SPEC.resolve("job-definition-request.json")));
    Path bare = dir.resolve("bare.json");
    Files.writeString(bare, spec.get("jobDefinition").toString());

    assertThat(JobCommand.definitionRequest(bare)).isEqualTo(JobCommand.definitionRequest(SPEC.resolve("job-definition-request.json")));
  }

  @Test
  void readsEverySeedJobFile() throws IOException {
    try (var files = Files.list(SPEC)) {
      files.filter(f -> f.getFileName().toString().matches("(public|private)-.*\\.json"))
          .forEach(f -> assertThat(JobCommand.readJobFile(f).version()).as(f.toString()).isNotBlank());
    }
  }

  @Test
  void aBrokenFileIsInvalidAndAMissingOneAUsageError() throws IOException {
    Path broken = dir.resolve("broken.json");
    Files.writeString(broken, "{\"jobDefinition\": {\"version\": ");

    assertThatThrownBy(() -> JobCommand.definitionRequest(broken))
        .isInstanceOf(CliException.class).hasMessageContaining("broken.json")
        .extracting(e -> ((CliException) e).exitCode()).isEqualTo(ExitCodes.INVALID);
    assertThatThrownBy(() -> JobCommand.readJobFile(broken))
        .extracting(e -> ((CliException) e).exitCode()).isEqualTo(ExitCodes.INVALID);
    assertThatThrownBy(() -> JobCommand.definitionRequest(dir.resolve("absent.json")))
        .extracting(e -> ((CliException) e).exitCode()).isEqualTo(ExitCodes.USAGE);
  }
}
