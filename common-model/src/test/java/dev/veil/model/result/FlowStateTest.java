package dev.veil.model.result;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.json.VeilJson;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FlowStateTest {

  private static final FlowState FULL = new FlowState(JobStatus.SUCCESS, 1000L, 2000L, List.of(), List.of(
      new OpState("hello-world", "hello-world", OpStatus.SUCCESS, 1100L, 1900L, 0,
          List.of(new LogEntry(LogEntry.STDOUT, "hello world", 1500L)),
          Map.of("greeting", List.of("hello")), List.of(), Map.of("containerId", "abc"))));

  @Test
  void publicCopyKeepsStatusTimesAndErrorsOnly() {
    assertThat(new String(VeilJson.write(FULL.publicCopy()), StandardCharsets.UTF_8))
        .isEqualTo("{\"status\":\"success\",\"startTime\":1000,\"endTime\":2000,\"errors\":[],\"opStates\":[]}");
    assertThat(FULL.publicCopy().isEmptyOfOutput()).isTrue();
    assertThat(FULL.isEmptyOfOutput()).isFalse();
  }

  @Test
  void fullResultUsesTheSpecFieldNames() {
    String json = new String(VeilJson.write(FULL), StandardCharsets.UTF_8);

    assertThat(json).contains("\"opStates\":[{\"operationId\":\"hello-world\"", "\"exitCode\":0",
        "\"logs\":[{\"type\":\"stdout\",\"log\":\"hello world\",\"timestamp\":1500}]");
    assertThat(VeilJson.readStrict(json.getBytes(StandardCharsets.UTF_8), FlowState.class)).isEqualTo(FULL);
  }

  @Test
  void statusesUseTheSpecNames() {
    assertThat(new String(VeilJson.write(JobStatus.WAITING_FOR_JOB_DEFINITION), StandardCharsets.UTF_8))
        .isEqualTo("\"waiting-for-job-definition\"");
    assertThat(JobStatus.LOGISTICS_ERROR.isFinal()).isTrue();
    assertThat(JobStatus.WAITING_FOR_RESULT.isFinal()).isFalse();
  }
}
