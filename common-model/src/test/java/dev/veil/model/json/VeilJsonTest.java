package dev.veil.model.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.model.job.Command;
import dev.veil.model.job.Expose;
import dev.veil.model.job.ExposeType;
import dev.veil.model.job.ExposedPort;
import dev.veil.model.job.HttpHealthCheck;
import dev.veil.model.job.JobDefinition;
import dev.veil.model.job.ResultPattern;
import dev.veil.model.job.RunOperation;
import dev.veil.model.job.UnknownOperation;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VeilJsonTest {

  private static JobDefinition withRunArgs(String args) {
    return VeilJson.readStrict(("{\"version\": \"0.1\", \"type\": \"container\", \"ops\": [{\"type\": \"container/run\","
        + " \"id\": \"a\", \"args\": " + args + "}]}").getBytes(StandardCharsets.UTF_8), JobDefinition.class);
  }

  private static RunOperation onlyOp(JobDefinition job) {
    return (RunOperation) job.ops().get(0);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"image\": \"x\", \"cmd\": \"echo hi\"}",
      "{\"image\": \"x\", \"cmd\": [\"echo\", \"hi\"], \"entrypoint\": \"/bin/sh\"}",
      "{\"image\": \"x\", \"cmd\": []}",
      "{\"image\": \"x\", \"expose\": 8080}",
      "{\"image\": \"x\", \"expose\": \"8000-8010\"}",
      "{\"image\": \"x\", \"expose\": \"9000\"}",
      "{\"image\": \"x\", \"expose\": [80, {\"port\": 8080, \"type\": \"api\", \"health_checks\": [{\"type\": \"http\", \"path\": \"/h\", \"method\": \"GET\", \"expected_status\": 200, \"continuous\": true}]}]}",
      "{\"image\": \"x\", \"expose\": [{\"port\": 9000, \"type\": \"websocket\", \"health_checks\": [{\"type\": \"websocket\", \"expected_response\": \"pong\", \"continuous\": false}]}]}",
      "{\"image\": \"x\", \"env\": {\"A\": \"1\"}, \"work_dir\": \"/w\", \"gpu\": true, \"restart_policy\": \"no\", \"required_vram\": 6.5, \"resources\": [{\"type\": \"S3\", \"url\": \"s3://b\", \"target\": \"/r\"}]}",
      "{\"image\": \"x\", \"volumes\": [{\"name\": \"v\", \"dest\": \"/v\"}], \"private\": false}"
  })
  void everyArgFormWritesBackAsItWasRead(String args) {
    JobDefinition job = withRunArgs(args);
    String written = new String(VeilJson.write(onlyOp(job).args()), StandardCharsets.UTF_8);

    assertThat(VeilJson.strict().readTree(written)).isEqualTo(VeilJson.strict().readTree(args));
  }

  @Test
  void commandFormsBecomeTheArgvAnEngineTakes() {
    assertThat(onlyOp(withRunArgs("{\"image\": \"x\", \"cmd\": \"echo hi\"}")).args().cmd())
        .isEqualTo(new Command.Shell("echo hi"));
    assertThat(onlyOp(withRunArgs("{\"image\": \"x\", \"cmd\": [\"echo\", \"hi\"]}")).args().cmd().argv())
        .containsExactly("echo", "hi");
  }

  @Test
  void exposeFormsExpandToPorts() {
    assertThat(onlyOp(withRunArgs("{\"image\": \"x\", \"expose\": \"8000-8002\"}")).args().expose().ports())
        .extracting(ExposedPort::port).containsExactly(8000, 8001, 8002);
    Expose list = onlyOp(withRunArgs("{\"image\": \"x\", \"expose\": [80, {\"port\": 81, \"type\": \"api\", "
        + "\"health_checks\": [{\"type\": \"http\", \"path\": \"/\", \"expected_status\": 200}]}]}")).args().expose();
    assertThat(list.ports().get(0)).isEqualTo(ExposedPort.of(80));
    assertThat(list.ports().get(1).type()).isEqualTo(ExposeType.API);
    assertThat(list.ports().get(1).healthChecks().get(0)).isInstanceOf(HttpHealthCheck.class);
  }

  @Test
  void resultPatternsInBothForms() {
    JobDefinition job = VeilJson.readJobFile("""
        {"version": "0.1", "type": "container", "ops": [{"type": "container/run", "id": "a", "args": {"image": "x"},
          "results": {"word": "Hello (\\\\w+)", "err": {"regex": "E: (.*)", "logType": ["stderr"]}}}]}""");

    assertThat(onlyOp(job).results().get("word")).isEqualTo(new ResultPattern.Regex("Hello (\\w+)"));
    assertThat(onlyOp(job).results().get("err")).isEqualTo(new ResultPattern.Filtered("E: (.*)", List.of("stderr")));
  }

  @Test
  void anUnknownOpTypeIsKeptVerbatim() {
    String json = "{\"version\":\"0.1\",\"type\":\"container\",\"ops\":[{\"type\":\"container/gpu\",\"id\":\"g\",\"args\":{\"n\":2}}]}";
    JobDefinition job = VeilJson.readStrict(json.getBytes(), JobDefinition.class);

    assertThat(job.ops().get(0)).isInstanceOf(UnknownOperation.class);
    assertThat(job.ops().get(0).id()).isEqualTo("g");
    assertThat(new String(VeilJson.write(job), StandardCharsets.UTF_8)).isEqualTo(json);
  }

  @Test
  void aTypoInAFieldNameIsRefusedNotIgnored() {
    assertThatThrownBy(() -> withRunArgs("{\"image\": \"x\", \"expose\": 80, \"privat\": true}"))
        .isInstanceOfSatisfying(MalformedJsonException.class, e -> {
          assertThat(e.pointer()).isEqualTo("/ops/0/args/privat");
          assertThat(e.getMessage()).contains("Unrecognized property \"privat\"");
        });
  }

  @Test
  void scalarsAreNotCoerced() {
    assertThatThrownBy(() -> withRunArgs("{\"image\": \"x\", \"expose\": 80, \"private\": \"true\"}"))
        .isInstanceOfSatisfying(MalformedJsonException.class, e -> assertThat(e.pointer()).isEqualTo("/ops/0/args/private"));
  }

  @Test
  void duplicateKeysAreRefused() {
    assertThatThrownBy(() -> withRunArgs("{\"image\": \"x\", \"expose\": 80, \"private\": true, \"private\": false}"))
        .isInstanceOfSatisfying(MalformedJsonException.class, e -> assertThat(e.getMessage()).contains("Duplicate"));
  }

  @Test
  void aBadExposeShapeSaysWhereAndWhatIsAllowed() {
    assertThatThrownBy(() -> withRunArgs("{\"image\": \"x\", \"expose\": true}"))
        .isInstanceOfSatisfying(MalformedJsonException.class, e -> {
          assertThat(e.pointer()).isEqualTo("/ops/0/args/expose");
          assertThat(e.getMessage()).contains("expose must be a port number, a range string");
        });
    assertThatThrownBy(() -> withRunArgs("{\"image\": \"x\", \"expose\": \"eighty\"}"))
        .isInstanceOfSatisfying(MalformedJsonException.class, e -> assertThat(e.pointer()).isEqualTo("/ops/0/args/expose"));
  }

  @Test
  void aCommandArrayOfNumbersIsRefused() {
    assertThatThrownBy(() -> withRunArgs("{\"image\": \"x\", \"cmd\": [1, 2]}"))
        .isInstanceOfSatisfying(MalformedJsonException.class, e -> {
          assertThat(e.pointer()).isEqualTo("/ops/0/args/cmd");
          assertThat(e.getMessage()).contains("every element of a command array must be a string");
        });
  }

  @Test
  void brokenSyntaxReportsLineAndColumn() {
    assertThatThrownBy(() -> VeilJson.readStrict("{\n  \"version\": \"0.1\",\n  oops\n}".getBytes(), JobDefinition.class))
        .isInstanceOfSatisfying(MalformedJsonException.class, e -> {
          assertThat(e.line()).isEqualTo(3);
          assertThat(e.describe()).startsWith("not valid JSON").contains("line 3");
        });
  }

  @Test
  void trailingGarbageIsRefused() {
    assertThatThrownBy(() -> VeilJson.readStrict("{\"version\": \"0.1\"} {}".getBytes(), JobDefinition.class))
        .isInstanceOf(MalformedJsonException.class);
  }

  @Test
  void lenientReadingAllowsCommentsAndTrailingCommasButNotUnknownFields() {
    assertThat(VeilJson.readJobFile("{\"version\": \"0.1\", /* c */ \"type\": \"container\", \"ops\": [], // c\n}").ops()).isEmpty();
    assertThatThrownBy(() -> VeilJson.readJobFile("{\"version\": \"0.1\", \"tpye\": \"container\"}"))
        .isInstanceOfSatisfying(MalformedJsonException.class, e -> assertThat(e.pointer()).isEqualTo("/tpye"));
  }
}
