package dev.veil.model.schema;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.job.JobDefinition;
import dev.veil.model.json.VeilJson;
import java.io.InputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The JSON Schema generated at build time ships in the jar and describes the types as they are. */
class JobDefinitionSchemaTest {

  private static JsonNode schema() throws Exception {
    try (InputStream in = JobDefinition.class.getResourceAsStream("/dev/veil/model/job-definition.schema.json")) {
      assertThat(in).as("schema generated into the classes folder at build time").isNotNull();
      return VeilJson.strict().readTree(in);
    }
  }

  @Test
  void topLevelPropertiesAreTheDefinitionsFields() throws Exception {
    JsonNode schema = schema();
    assertThat(schema.path("$schema").stringValue()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
    assertThat(schema.path("properties").propertyNames()).containsExactlyInAnyOrderElementsOf(
        Arrays.stream(JobDefinition.class.getRecordComponents()).map(c -> c.getName()).toList());
    assertThat(schema.path("additionalProperties").booleanValue()).isFalse();
  }

  @Test
  void customFormsAreDescribed() throws Exception {
    JsonNode defs = schema().path("$defs");
    assertThat(defs.path("Expose").path("oneOf")).hasSize(3);
    assertThat(defs.path("Command").path("oneOf")).hasSize(2);
    assertThat(defs.path("Operation").path("oneOf")).hasSize(2);
    assertThat(defs.path("RunOperation").path("properties").path("type").path("const").stringValue())
        .isEqualTo("container/run");
    assertThat(defs.path("RunArgs").path("properties").propertyNames())
        .contains("work_dir", "private", "restart_policy", "required_vram", "expose", "volumes");
  }
}
