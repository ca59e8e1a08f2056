package dev.veil.market.fuzz;

import dev.veil.model.json.VeilJson;
import dev.veil.model.market.HeartbeatRequest;
import dev.veil.model.market.NodeRegistration;
import dev.veil.model.market.PostJobRequest;
import dev.veil.model.result.FlowState;
import dev.veil.model.result.JobStatus;
import dev.veil.model.result.LogEntry;
import dev.veil.model.result.OpState;
import dev.veil.model.result.OpStatus;
import dev.veil.testsupport.fuzz.Endpoint;
import dev.veil.testsupport.fuzz.Endpoint.Credential;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** job-market's routes as its controllers declare them, with good bodies to mutate: the seed jobs of spec/, a node's own requests. */
final class MarketRoutes {

  static final List<String> SEED_JOBS = List.of("public-job.json", "private-send-template.json",
      "private-send-receive-template.json", "private-receive-template.json", "private-expose-job.json");

  private MarketRoutes() {}

  static List<Endpoint> all() {
    return List.of(
        Endpoint.open("POST", "/v1/jobs").with(Credential.SESSION).body(posts()),
        Endpoint.open("GET", "/v1/jobs/{jobId}"),
        Endpoint.open("GET", "/v1/jobs/{jobId}/events"),
        Endpoint.open("POST", "/v1/jobs/{jobId}/stop").with(Credential.SESSION),
        Endpoint.open("GET", "/v1/results/{resultId}"),
        Endpoint.open("PUT", "/v1/nodes/self").with(Credential.NODE_SIGNATURE)
            .body(json(new NodeRegistration("0.1.0", false, 2)), json(new NodeRegistration(null, null, null))),
        Endpoint.open("POST", "/v1/claims").with(Credential.NODE_SIGNATURE),
        Endpoint.open("POST", "/v1/jobs/{jobId}/heartbeat").with(Credential.NODE_SIGNATURE)
            .body(json(new HeartbeatRequest(JobStatus.RUNNING)), json(new HeartbeatRequest(JobStatus.WAITING_FOR_JOB_DEFINITION))),
        Endpoint.open("POST", "/v1/jobs/{jobId}/result").with(Credential.NODE_SIGNATURE).body(results()),
        Endpoint.open("GET", "/actuator/health"),
        Endpoint.open("GET", "/actuator/prometheus"),
        Endpoint.open("GET", "/v3/api-docs"));
  }

  /** Every seed job as a post, with and without a timeout. */
  private static String[] posts() {
    List<String> posts = new ArrayList<>();
    for (String name : SEED_JOBS) {
      try {
        var definition = VeilJson.readJobFile(Files.readString(Path.of("..", "spec", name)));
        posts.add(json(new PostJobRequest(definition, null)));
        posts.add(json(new PostJobRequest(definition, 60L)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return posts.toArray(String[]::new);
  }

  private static String[] results() {
    OpState op = new OpState("hello-world", "hello-world", OpStatus.SUCCESS, 1100L, 1900L, 0,
        List.of(new LogEntry("stdout", "hello world", 1500L)), Map.of(), List.of(), Map.of());
    return new String[] {
        json(new FlowState(JobStatus.SUCCESS, 1000L, 2000L, List.of(), List.of(op))),
        json(new FlowState(JobStatus.FAILED, 1000L, 2000L, List.of("it failed"), List.of()))};
  }

  private static String json(Object value) {
    return new String(VeilJson.write(value), StandardCharsets.UTF_8);
  }
}
