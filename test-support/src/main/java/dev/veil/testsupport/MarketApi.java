package dev.veil.testsupport;

import dev.veil.model.job.JobDefinition;
import dev.veil.model.json.VeilJson;
import dev.veil.model.market.JobRecord;
import dev.veil.model.market.PostJobRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;

/**
 * job-market's public API over real HTTP, as an owner posts and stops jobs and as anyone reads
 * them: at job-market itself, or through the gateway's bare domain.
 */
public final class MarketApi {

  private final String baseUrl;
  private final ClientLogin login;
  private final HttpClient http = HttpClient.newHttpClient();

  /** {@code baseUrl} serves {@code /v1/jobs} and {@code /v1/results}; {@code login} makes the owners' sessions. */
  public MarketApi(String baseUrl, ClientLogin login) {
    this.baseUrl = baseUrl;
    this.login = login;
  }

  /** Posts {@code definition} as {@code owner}; the market's default timeout when {@code timeoutSeconds} is null. */
  public JobRecord post(KeyPair owner, JobDefinition definition, Long timeoutSeconds) throws IOException, InterruptedException {
    return post(owner, definition, timeoutSeconds, null);
  }

  /**
   * The same, with an {@code Idempotency-Key} when {@code idempotencyKey} is not null: posted again
   * with the same key after an answer that was lost or a 503, it makes the job once.
   */
  public JobRecord post(KeyPair owner, JobDefinition definition, Long timeoutSeconds, String idempotencyKey)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + "/v1/jobs"))
        .header("x-session-id", login.sessionId(owner)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(VeilJson.write(new PostJobRequest(definition, timeoutSeconds))));
    if (idempotencyKey != null) {
      request.header("Idempotency-Key", idempotencyKey);
    }
    HttpResponse<byte[]> posted = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    Unavailable.check(posted, "POST /v1/jobs", new String(posted.body()));
    if (posted.statusCode() != 201) {
      throw new IllegalStateException("POST /v1/jobs answered " + posted.statusCode() + ": " + new String(posted.body()));
    }
    return VeilJson.readStrict(posted.body(), JobRecord.class);
  }

  /** The public job record, exactly as served. */
  public String recordText(String jobId) throws IOException, InterruptedException {
    return get("/v1/jobs/" + jobId).body();
  }

  public JobRecord record(String jobId) throws IOException, InterruptedException {
    return VeilJson.readStrict(recordText(jobId).getBytes(), JobRecord.class);
  }

  /** The published result of a finished job, exactly as served. */
  public String resultText(String jobId) throws IOException, InterruptedException {
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

  /** Asks, as {@code owner}, for the job to stop; the HTTP status. */
  public int stop(KeyPair owner, String jobId) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/jobs/" + jobId + "/stop"))
        .header("x-session-id", login.sessionId(owner)).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(baseUrl + path)).header("Accept", "application/json").build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
