package dev.veil.agent;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.veil.agent.engine.EngineLabels;
import dev.veil.model.json.VeilJson;
import dev.veil.model.job.JobDefinition;
import dev.veil.model.market.JobRecord;
import dev.veil.model.market.PostJobRequest;
import dev.veil.model.result.FlowState;
import dev.veil.testsupport.ClientLogin;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.ServiceProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.testcontainers.containers.GenericContainer;

/** The rest of the network, for the agent's tests: real session-service and job-market processes on a real Redis. */
final class Suite implements AutoCloseable {

  static final String TOKEN = "market-token-0123456789abcdef";

  final ServiceProcess sessions;
  final ServiceProcess market;
  final ClientLogin login;
  final HttpClient http = HttpClient.newHttpClient();

  Suite(GenericContainer<?> redis) {
    String redisUrl = RedisContainers.uri(redis);
    sessions = ServiceProcess.start("session-service", Map.of("VEIL_REDIS_URL", redisUrl,
        "VEIL_SESSION_SERVICETOKENS_JOBMARKET", TOKEN));
    market = ServiceProcess.start("job-market", Map.of("VEIL_REDIS_URL", redisUrl,
        "VEIL_SESSION_URL", sessions.baseUrl(), "VEIL_MARKET_SESSION_TOKEN", TOKEN));
    login = new ClientLogin(sessions.baseUrl());
  }

  static JobDefinition spec(String name) throws Exception {
    return VeilJson.readJobFile(Files.readString(Path.of("..", "spec", name)));
  }

  static JobDefinition job(String json) {
    return VeilJson.readJobFile(json);
  }

  JobRecord post(KeyPair owner, JobDefinition definition, Long timeoutSeconds) throws Exception {
    HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(market.baseUrl() + "/v1/jobs"))
        .header("x-session-id", login.sessionId(owner)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(VeilJson.write(new PostJobRequest(definition, timeoutSeconds))))
        .build(), HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 201) {
      throw new IllegalStateException("post answered " + response.statusCode() + ": " + new String(response.body()));
    }
    return VeilJson.readStrict(response.body(), JobRecord.class);
  }

  JobRecord record(String jobId) throws Exception {
    return VeilJson.readStrict(http.send(HttpRequest.newBuilder(URI.create(market.baseUrl() + "/v1/jobs/" + jobId)).build(),
        HttpResponse.BodyHandlers.ofByteArray()).body(), JobRecord.class);
  }

  /** Waits until the market says the job is over, and answers its published result. */
  FlowState awaitResult(String jobId, Duration atMost) throws Exception {
    Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(250)).until(() -> record(jobId).state().isFinal());
    return VeilJson.readStrict(publishedBytes(jobId).getBytes(), FlowState.class);
  }

  String publishedBytes(String jobId) throws Exception {
    String resultId = record(jobId).resultId();
    return http.send(HttpRequest.newBuilder(URI.create(market.baseUrl() + "/v1/results/" + resultId)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  int stop(KeyPair owner, String jobId) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(market.baseUrl() + "/v1/jobs/" + jobId + "/stop"))
        .header("x-session-id", login.sessionId(owner)).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  static DockerClient docker() {
    DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder().build();
    return DockerClientImpl.getInstance(config, new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost()).build());
  }

  static long containersOf(DockerClient docker, String jobId) {
    return docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(EngineLabels.JOB, jobId)).exec().size();
  }

  @Override
  public void close() {
    market.close();
    sessions.close();
  }
}
