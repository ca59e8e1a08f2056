package dev.veil.model.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.json.VeilJson;
import org.junit.jupiter.api.Test;

class JobDefinitionValidatorTest {

  private static java.util.List<Violation> posted(String json) {
    return JobDefinitionValidator.validate(VeilJson.readJobFile(json), DefinitionRole.POSTED);
  }

  private static String job(String ops) {
    return "{\"version\": \"0.1\", \"type\": \"container\", \"ops\": " + ops + "}";
  }

  @Test
  void unknownVersionAndTypeAreNamed() {
    assertThat(posted("{\"version\": \"9\", \"type\": \"vm\", \"ops\": [{\"type\": \"container/run\", \"id\": \"a\", \"args\": {\"image\": \"x\"}}]}"))
        .containsExactly(
            new Violation("/version", "unsupported version '9'; this host understands 0.1"),
            new Violation("/type", "unsupported job type 'vm'; only 'container' is known"));
  }

  @Test
  void missingTopLevelFieldsAreEachReported() {
    assertThat(posted("{}")).containsExactly(
        new Violation("/version", "is required"),
        new Violation("/type", "is required"),
        new Violation("/ops", "is required (use [] in a template whose definition is sent privately)"));
  }

  @Test
  void everyViolationIsReportedNotOnlyTheFirst() {
    assertThat(posted(job("""
        [{"type": "container/run", "id": "a b", "args": {}},
         {"type": "container/run", "id": "dup", "args": {"image": "x", "expose": 80}},
         {"type": "container/run", "id": "dup", "args": {"image": "x", "expose": [80, 70000]}},
         {"type": "container/gpu", "id": "weird"}]""")))
        .containsExactly(
            new Violation("/ops/0/id", "must be 1 to 128 characters without spaces"),
            new Violation("/ops/2/id", "duplicate op id 'dup' (also op 1)"),
            new Violation("/ops/0/args/image", "is required (or set global.image)"),
            new Violation("/ops/2/args/expose/0", "port 80 is already exposed at /ops/1/args/expose; ports are unique per job"),
            new Violation("/ops/2/args/expose/1", "ports must be between 1 and 65535"),
            new Violation("/ops/3/type", "unknown op type 'container/gpu' in op 'weird'"));
  }

  @Test
  void anOpMayAskForLessThanTheHostGivesInTheDockerCliForms() {
    assertThat(posted(job("""
        [{"type": "container/run", "id": "a", "args": {"image": "x", "limits": {"memory": "512m", "cpus": 0.5, "pids": 64}}},
         {"type": "container/run", "id": "b", "args": {"image": "x", "limits": {"memory": "1GiB"}}},
         {"type": "container/run", "id": "c", "args": {"image": "x", "limits": {"memory": "7340032"}}}]"""))).isEmpty();
    assertThat(new dev.veil.model.job.ContainerLimits("512m", null, null).memoryBytes()).hasValue(512L * 1024 * 1024);
    assertThat(new dev.veil.model.job.ContainerLimits("2GB", null, null).memoryBytes()).hasValue(2L << 30);
    assertThat(new dev.veil.model.job.ContainerLimits("1.5g", null, null).memoryBytes()).hasValue(3L << 29);
    assertThat(new dev.veil.model.job.ContainerLimits("1t", null, null).memoryBytes()).hasValue(1L << 40);
    assertThat(new dev.veil.model.job.ContainerLimits("512ib", null, null).memoryBytes()).isEmpty();
    assertThat(new dev.veil.model.job.ContainerLimits("2 g", null, null).memoryBytes()).isEmpty();
  }

  @Test
  void limitsThatAreNoSizeOrTooSmallAreEachNamed() {
    assertThat(posted(job("""
        [{"type": "container/run", "id": "a", "args": {"image": "x", "limits": {"memory": "lots", "cpus": 0, "pids": 2}}},
         {"type": "container/run", "id": "b", "args": {"image": "x", "limits": {"memory": "1m", "cpus": 5000}}},
         {"type": "container/run", "id": "c", "args": {"image": "x", "limits": {"memory": "99999999999999999999g"}}}]""")))
        .containsExactly(
            new Violation("/ops/0/args/limits/memory", "must be a size such as 512m or 2g (bytes, or k, m, g: binary units)"),
            new Violation("/ops/0/args/limits/cpus", "must be between 0.01 and 1024"),
            new Violation("/ops/0/args/limits/pids", "must be at least 8"),
            new Violation("/ops/1/args/limits/memory", "must be at least 6m"),
            new Violation("/ops/1/args/limits/cpus", "must be between 0.01 and 1024"),
            new Violation("/ops/2/args/limits/memory", "must be a size such as 512m or 2g (bytes, or k, m, g: binary units)"));
  }

  @Test
  void globalImageStandsInForAMissingOpImage() {
    assertThat(posted("{\"version\": \"0.1\", \"type\": \"container\", \"global\": {\"image\": \"ubuntu\"},"
        + " \"ops\": [{\"type\": \"container/run\", \"id\": \"a\", \"args\": {\"cmd\": \"true\"}}]}")).isEmpty();
  }

  @Test
  void overlappingRangesAndBackwardsRangesAreRefused() {
    assertThat(posted(job("""
        [{"type": "container/run", "id": "a", "args": {"image": "x", "expose": "8000-8010"}},
         {"type": "container/run", "id": "b", "args": {"image": "x", "expose": "8005-8020"}},
         {"type": "container/run", "id": "c", "args": {"image": "x", "expose": "9010-9000"}},
         {"type": "container/run", "id": "d", "args": {"image": "x", "expose": "1-2000"}}]""")))
        .containsExactly(
            new Violation("/ops/1/args/expose", "range 8005-8020 is already exposed at /ops/0/args/expose; ports are unique per job"),
            new Violation("/ops/2/args/expose", "range 9010-9000 is backwards"),
            new Violation("/ops/3/args/expose", "a range may span at most 1000 ports"));
  }

  @Test
  void emptyOpsArePostableOnlyWhenTheDefinitionIsSentPrivately() {
    assertThat(posted(job("[]"))).containsExactly(
        new Violation("/ops", "must not be empty unless logistics.send is 'api-listen'"));
    assertThat(JobDefinitionValidator.validate(VeilJson.readJobFile(job("[]")), DefinitionRole.TEMPLATE)).isEmpty();
  }

  @Test
  void opsPostedBesideAPrivateSendWouldBePublicAndAreRefused() {
    assertThat(posted("""
        {"version": "0.1", "type": "container", "logistics": {"send": {"type": "api-listen", "args": {}}},
         "ops": [{"type": "container/run", "id": "a", "args": {"image": "x"}}]}"""))
        .containsExactly(new Violation("/ops", "must be empty when logistics.send is 'api-listen': anything posted is "
            + "public; send the ops to the host instead"));
  }

  @Test
  void aPrivatelySentDefinitionMustHaveOps() {
    assertThat(JobDefinitionValidator.validate(VeilJson.readJobFile(job("[]")), DefinitionRole.PRIVATE_DEFINITION))
        .containsExactly(new Violation("/ops", "a definition sent privately must have ops"));
  }

  @Test
  void logisticsArgumentsAreChecked() {
    assertThat(posted("""
        {"version": "0.1", "type": "container",
         "logistics": {"send": {"type": "api-listen", "args": {"hash": "ABC", "endpoint": "http://x"}},
                       "receive": {"type": "api", "args": {"hash": "%s"}}},
         "ops": []}""".formatted("a".repeat(64))))
        .containsExactly(
            new Violation("/logistics/send/args/endpoint", "only applies when type is 'api', which is not supported"),
            new Violation("/logistics/send/args/hash", "must be a lowercase hex SHA-256 (64 characters)"),
            new Violation("/logistics/receive/type", "'api' (the host sends to your endpoint) is not supported; "
                + "use 'api-listen' (you fetch from the host)"));
    assertThat(posted("""
        {"version": "0.1", "type": "container",
         "logistics": {"send": {"type": "api-listen"}, "receive": {"type": "api", "args": {"endpoint": "https://me.example/results"}}},
         "ops": []}"""))
        .as("a result its owner wants at an endpoint is refused, never published instead")
        .containsExactly(new Violation("/logistics/receive/type", "'api' (the host sends to your endpoint) is not supported; "
            + "use 'api-listen' (you fetch from the host)"));
  }

  @Test
  void aResultRecipientKeyMustBeWellFormedAndOnlyOnAPrivateReceive() {
    String key = "A".repeat(43);
    String signature = "B".repeat(86);
    assertThat(posted("""
        {"version": "0.1", "type": "container",
         "logistics": {"send": {"type": "api-listen", "args": {"recipient": {"publicKey": "%s", "signature": "%s"}}},
                       "receive": {"type": "api-listen", "args": {"recipient": {"publicKey": "short", "signature": "%s"}}}},
         "ops": []}""".formatted(key, signature, signature)))
        .containsExactly(
            new Violation("/logistics/send/args/recipient", "only applies to logistics.receive of type 'api-listen'"),
            new Violation("/logistics/receive/args/recipient", "must be {\"publicKey\": an X25519 key (32 bytes), "
                + "\"signature\": the owner's Ed25519 signature (64 bytes)}, both base64url without padding"));
    assertThat(posted("""
        {"version": "0.1", "type": "container",
         "logistics": {"send": {"type": "api-listen"},
                       "receive": {"type": "api-listen", "args": {"recipient": {"publicKey": "%s", "signature": "%s"}}}},
         "ops": []}""".formatted(key, signature))).isEmpty();
    assertThat(JobDefinitionValidator.validate(VeilJson.readJobFile("""
        {"version": "0.1", "type": "container",
         "logistics": {"receive": {"type": "api-listen", "args": {"recipient": {"publicKey": "%s", "signature": "%s"}}}},
         "ops": [{"type": "container/run", "id": "a", "args": {"image": "x"}}]}""".formatted(key, signature)),
        DefinitionRole.PRIVATE_DEFINITION))
        .as("the host seals to the template's key: one in the definition would be ignored")
        .containsExactly(new Violation("/logistics/receive/args/recipient", "belongs in the posted template's logistics.receive, "
            + "not in the definition sent privately"));
  }

  @Test
  void dependenciesMustExistAndMustNotCycle() {
    assertThat(posted(job("""
        [{"type": "container/run", "id": "a", "args": {"image": "x"}, "execution": {"depends_on": ["b"]}},
         {"type": "container/run", "id": "b", "args": {"image": "x"}, "execution": {"depends_on": ["a", "ghost", "b"]}}]""")))
        .containsExactly(
            new Violation("/ops/1/execution/depends_on/1", "no op with id 'ghost' in this job"),
            new Violation("/ops/1/execution/depends_on/2", "an op cannot depend on itself"),
            new Violation("/ops/0/execution/depends_on", "depends_on forms a cycle through op 'a'"));
  }

  @Test
  void volumesMustBeCreatedInTheJobAndMountedAtAbsolutePaths() {
    assertThat(posted(job("""
        [{"type": "container/create-volume", "id": "v", "args": {"name": "data"}},
         {"type": "container/run", "id": "a", "args": {"image": "x",
           "volumes": [{"name": "data", "dest": "/data"}, {"name": "other", "dest": "rel"}]}}]""")))
        .containsExactly(
            new Violation("/ops/1/args/volumes/1/name", "must name a volume created by a container/create-volume op of this job"),
            new Violation("/ops/1/args/volumes/1/dest", "must be an absolute path"));
  }

  @Test
  void resultPatternsMustCompileAndNameKnownLogTypes() {
    assertThat(posted(job("""
        [{"type": "container/run", "id": "a", "args": {"image": "x"},
          "results": {"ok": "Hello (\\\\w+)", "bad": "([a-", "typed": {"regex": "x", "logType": ["stdout", "screen"]}}}]""")))
        .extracting(Violation::path)
        .containsExactly("/ops/0/results/bad", "/ops/0/results/typed/logType");
  }

  @Test
  void healthChecksAreChecked() {
    assertThat(posted(job("""
        [{"type": "container/run", "id": "a", "args": {"image": "x", "expose": [
          {"port": 8080, "type": "api", "health_checks": [
             {"type": "http", "path": "health", "method": "get", "expected_status": 42, "continuous": false},
             {"type": "websocket", "continuous": true}]}]}}]""")))
        .containsExactly(
            new Violation("/ops/0/args/expose/0/health_checks/0/path", "must start with '/'"),
            new Violation("/ops/0/args/expose/0/health_checks/0/expected_status", "must be an HTTP status between 100 and 599"),
            new Violation("/ops/0/args/expose/0/health_checks/0/method", "must be an HTTP method such as GET"),
            new Violation("/ops/0/args/expose/0/health_checks/1/expected_response", "is required"));
  }

  @Test
  void privateWithoutExposeIsRefusedRatherThanMisleading() {
    assertThat(posted(job("[{\"type\": \"container/run\", \"id\": \"a\", \"args\": {\"image\": \"x\", \"private\": true}}]")))
        .containsExactly(new Violation("/ops/0/args/private", "only exposed ports can be private; this op exposes none "
            + "(for private results use logistics.receive 'api-listen')"));
  }

  @Test
  void ownerOnlyAccessIsForPrivateExposedPortsOnly() {
    assertThat(posted(job("[{\"type\": \"container/run\", \"id\": \"a\", \"args\": {\"image\": \"x\", \"expose\": 80, "
        + "\"private\": true, \"access\": \"owner\"}}]"))).isEmpty();
    assertThat(posted(job("[{\"type\": \"container/run\", \"id\": \"a\", \"args\": {\"image\": \"x\", \"expose\": 80, "
        + "\"access\": \"owner\"}}]")))
        .containsExactly(new Violation("/ops/0/args/access", "only applies to exposed ports with \"private\": true"));
    assertThat(posted(job("[{\"type\": \"container/run\", \"id\": \"a\", \"args\": {\"image\": \"x\", \"expose\": 80, "
        + "\"private\": true, \"access\": \"everyone\"}}]")))
        .containsExactly(new Violation("/ops/0/args/access", "must be 'owner' (only the job's owner may open its private URLs), "
            + "or absent"));
  }

  @Test
  void anOpWithoutATypeIsNamed() {
    assertThat(posted(job("[{\"id\": \"a\", \"args\": {}}]")))
        .containsExactly(new Violation("/ops/0/type", "is required: 'container/run' or 'container/create-volume'"));
  }
}
