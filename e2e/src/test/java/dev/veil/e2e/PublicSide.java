package dev.veil.e2e;

import dev.veil.model.job.JobDefinition;
import dev.veil.model.json.VeilJson;
import dev.veil.model.market.JobRecord;
import dev.veil.model.market.PostJobRequest;
import dev.veil.testsupport.ClientLogin;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;

/** The market's public API through the gateway's bare domain: what anyone can read, and what an owner posts. */
final class PublicSide {

  private final String gateway;
  private final HttpClient http = HttpClient.newHttpClient();
  final ClientLogin login;

  PublicSide(String gateway) {
    this.gateway = gateway;
    this.login = new ClientLogin(gateway);
  }

  JobRecord post(KeyPair owner, JobDefinition definition) throws IOException, InterruptedException {
    HttpResponse<String> posted = http.send(HttpRequest.newBuilder(URI.create(gateway + "/v1/jobs"))
        .header("x-session-id", login.sessionId(owner)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(VeilJson.write(new PostJobRequest(definition, 600L)))).build(),
        HttpResponse.BodyHandlers.ofString());
    if (posted.statusCode() != 201) {
      throw new IllegalStateException("POST /v1/jobs answered " + posted.statusCode() + ": " + posted.body());
    }
    return VeilJson.readStrict(posted.body().getBytes(), JobRecord.class);
  }

  /** The public job record, exactly as served. */
  String recordText(String jobId) throws IOException, InterruptedException {
    return get("/v1/jobs/" + jobId).body();
  }

  JobRecord record(String jobId) throws IOException, InterruptedException {
    return VeilJson.readStrict(recordText(jobId).getBytes(), JobRecord.class);
  }

  /** The public result of a finished job, exactly as served. */
  String resultText(String jobId) throws IOException, InterruptedException {
    String resultId = record(jobId).resultId();
    if (resultId == null) {
      throw new IllegalStateException("job " + jobId + " has no public result yet");
    }
    HttpResponse<String> result = get("/v1/results/" + resultId);
    if (result.statusCode() != 200) {
      throw new IllegalStateException("GET /v1/results answered " + result.statusCode());
    }
    return result.body();
  }

  int stop(KeyPair owner, String jobId) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(gateway + "/v1/jobs/" + jobId + "/stop"))
        .header("x-session-id", login.sessionId(owner)).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(gateway + path)).header("Accept", "application/json").build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
