package dev.veil.gateway.tunnel;

import dev.veil.model.json.VeilJson;
import dev.veil.model.market.JobRecord;
import dev.veil.model.market.JobState;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the market, through its public API, whether a node holds a job now: the job is running
 * and claimed by that node. A service forward is accepted only then. Blocking, bounded: it runs on
 * the SSH server's threads when a forward is requested, never on a request path.
 */
public class JobHolders {

  private static final Logger log = LoggerFactory.getLogger(JobHolders.class);

  private final HttpClient http;
  private final URI marketUrl;
  private final Duration timeout;

  public JobHolders(URI marketUrl, Duration timeout) {
    this.marketUrl = marketUrl;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
  }

  /** True when job {@code jobId} is running on node {@code nodeId}; false when it is not, or the market cannot say. */
  public boolean holds(String nodeId, String jobId) {
    return heldBy(nodeId, jobId).isPresent();
  }

  /** The job's public record when it is running on node {@code nodeId}; empty when it is not, or the market cannot say. */
  public java.util.Optional<JobRecord> heldBy(String nodeId, String jobId) {
    HttpRequest request = HttpRequest.newBuilder(marketUrl.resolve("/v1/jobs/" + jobId))
        .timeout(timeout).header("Accept", "application/json").GET().build();
    try {
      HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
      if (response.statusCode() != 200) {
        return java.util.Optional.empty();
      }
      JobRecord job = VeilJson.lenient().readValue(response.body(), JobRecord.class);
      return job.state() == JobState.RUNNING && nodeId.equals(job.nodeId()) ? java.util.Optional.of(job)
          : java.util.Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return java.util.Optional.empty();
    } catch (IOException | RuntimeException e) {
      log.warn("cannot ask the market who holds a job ({}); refusing the forward", e.getClass().getSimpleName());
      return java.util.Optional.empty();
    }
  }
}
