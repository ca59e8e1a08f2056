package dev.veil.agent.market;

import dev.veil.agent.config.AgentProperties;
import dev.veil.agent.identity.NodeEncryption;
import dev.veil.agent.identity.NodeIdentity;
import dev.veil.model.auth.NodeRequestSignature;
import dev.veil.model.json.VeilJson;
import dev.veil.model.market.HeartbeatRequest;
import dev.veil.model.market.HeartbeatResponse;
import dev.veil.model.market.JobRecord;
import dev.veil.model.market.NodeRegistration;
import dev.veil.model.market.ResultReceipt;
import dev.veil.model.result.FlowState;
import dev.veil.model.result.JobStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.util.UriComponentsBuilder;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * The agent's side of job-market. Every call is signed with the node key over the exact bytes
 * sent (audience {@code job-market}); the agent holds no Redis credentials.
 */
@Component
public class MarketClient {

  private static final String AUDIENCE = "job-market";
  private static final ParameterizedTypeReference<ServerSentEvent<JobRecord>> JOB_EVENTS = new ParameterizedTypeReference<>() {};

  /**
   * Longest wait for the market's answer to a call (a claim: its long-poll on top): a market that
   * hangs fails the call, which is then retried, instead of stalling the loop that made it.
   */
  static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
  /** A result carries logs (megabytes): its upload gets longer. */
  static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(60);

  private final WebClient http;
  private final NodeIdentity node;
  private final AgentProperties properties;
  private final NodeEncryption encryption;
  private final Clock clock;

  public MarketClient(WebClient.Builder builder, NodeIdentity node, NodeEncryption encryption, AgentProperties properties,
      Clock clock) {
    this.encryption = encryption;
    this.http = builder.baseUrl(properties.marketUrl())
        .codecs(codecs -> codecs.defaultCodecs().maxInMemorySize(8 * 1024 * 1024)).build();
    this.node = node;
    this.properties = properties;
    this.clock = clock;
  }

  /** Registers the node, or renews it: what it is, never where (the gateway reaches it through its tunnel). */
  public Mono<Void> register() {
    return send(HttpMethod.PUT, "/v1/nodes/self", new Object[0],
        new NodeRegistration(properties.version(), properties.gpu(), properties.maxConcurrentJobs(), encryption.publicKey()),
        response -> expect(response, HttpStatus.OK), CALL_TIMEOUT);
  }

  /** The next job, waiting up to {@code wait}; empty when none came. */
  public Mono<JobRecord> claim(Duration wait) {
    return send(HttpMethod.POST, "/v1/claims?waitSeconds={seconds}", new Object[] {wait.toSeconds()}, null,
        response -> response.statusCode() == HttpStatus.NO_CONTENT
            ? response.releaseBody().then(Mono.<JobRecord>empty())
            : expect(response, HttpStatus.OK).then(response.bodyToMono(JobRecord.class)),
        wait.plus(CALL_TIMEOUT));
  }

  /** Renews the claim; empty when this node no longer holds the job (its lease lapsed). */
  public Mono<HeartbeatResponse> heartbeat(String jobId, JobStatus hostStatus) {
    return send(HttpMethod.POST, "/v1/jobs/{id}/heartbeat", new Object[] {jobId}, new HeartbeatRequest(hostStatus),
        response -> response.statusCode() == HttpStatus.NOT_FOUND
            ? response.releaseBody().then(Mono.<HeartbeatResponse>empty())
            : expect(response, HttpStatus.OK).then(response.bodyToMono(HeartbeatResponse.class)),
        CALL_TIMEOUT);
  }

  /** Publishes the job's (public) result and ends the job on the market. */
  public Mono<ResultReceipt> publish(String jobId, FlowState result) {
    return send(HttpMethod.POST, "/v1/jobs/{id}/result", new Object[] {jobId}, result,
        response -> expect(response, HttpStatus.CREATED).then(response.bodyToMono(ResultReceipt.class)),
        PUBLISH_TIMEOUT);
  }

  /**
   * Completes with {@code true} as soon as the job's owner asks it to stop, from the job's public
   * event stream ({@code GET /v1/jobs/{id}/events}, unsigned like every public read); empty if
   * the job ends first. The stream is opened again (back-off 1 s to 30 s) whenever it breaks.
   */
  public Mono<Boolean> stopRequested(String jobId) {
    AtomicBoolean over = new AtomicBoolean();
    return Flux.defer(() -> http.get().uri("/v1/jobs/{id}/events", jobId).accept(MediaType.TEXT_EVENT_STREAM)
            .retrieve().bodyToFlux(JOB_EVENTS))
        .mapNotNull(ServerSentEvent::data)
        .doOnNext(job -> over.compareAndSet(false, job.state().isFinal()))
        .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofSeconds(1)).maxBackoff(Duration.ofSeconds(30)))
        // A stream the market ends before the job is over (a restart, a proxy) is opened again.
        .repeatWhen(ended -> ended.takeWhile(n -> !over.get()).delayElements(Duration.ofSeconds(1)))
        .takeUntil(job -> job.state().isFinal())
        .filter(job -> Boolean.TRUE.equals(job.stopRequested()))
        .next()
        .map(job -> true);
  }

  /** The public record of a job (unsigned: anyone may read it). */
  public Mono<JobRecord> job(String jobId) {
    return http.get().uri("/v1/jobs/{id}", jobId).retrieve().bodyToMono(JobRecord.class);
  }

  /**
   * Whether the job has ended on the market with this node's result: what a heartbeat that
   * finds the job no longer running must tell apart from a lost claim, since the beat may cross
   * this node's own result on the way (the result ends the job, the beat then finds it ended).
   * False when the market cannot say (no such job, an error, no answer within the call timeout).
   */
  public Mono<Boolean> endedHere(String jobId) {
    return job(jobId).timeout(CALL_TIMEOUT)
        // A result ends it: a job the market itself ended (its lease lapsed while a stop was
        // asked for) keeps this node as its host but has no result, and was lost to this host.
        .map(record -> record.state().isFinal() && record.resultId() != null && node.nodeId().equals(record.nodeId()))
        .defaultIfEmpty(false)
        .onErrorReturn(false);
  }

  /**
   * True when the market answers: a public read of this node's registration ({@code GET
   * /v1/nodes/{nodeId}}, 200, or 404 while not registered), a path the gateway routes too, for a
   * host that reaches the market through it (the market's actuator is never routed).
   */
  public Mono<Boolean> reachable() {
    return http.get().uri("/v1/nodes/{nodeId}", node.nodeId())
        .exchangeToMono(r -> r.releaseBody().thenReturn(r.statusCode().is2xxSuccessful() || r.statusCode().value() == 404))
        .timeout(Duration.ofSeconds(3)).onErrorReturn(false);
  }

  /**
   * Signs and sends; {@code handler} reads the response inside the exchange, as WebClient requires.
   * The path goes to WebClient as its template and variables, so the client metrics are tagged
   * with {@code /v1/jobs/{id}/heartbeat}, never with a job's ID (nor one series per job).
   */
  private <T> Mono<T> send(HttpMethod method, String template, Object[] variables, Object body,
      java.util.function.Function<ClientResponse, Mono<T>> handler, Duration timeout) {
    return Mono.defer(() -> {
      byte[] bytes = body == null ? new byte[0] : VeilJson.write(body);
      String pathAndQuery = UriComponentsBuilder.fromUriString(template).buildAndExpand(variables).toUriString();
      NodeRequestSignature signature = NodeRequestSignature.sign(node.key(), AUDIENCE, method.name(), pathAndQuery, bytes, clock.instant());
      WebClient.RequestBodySpec request = http.method(method).uri(properties.marketUrl() + template, variables)
          .headers(h -> signature.headers().forEach(h::add));
      if (bytes.length > 0) {
        request.contentType(MediaType.APPLICATION_JSON).bodyValue(bytes);
      }
      return request.exchangeToMono(handler);
    }).timeout(timeout);
  }

  private static Mono<Void> expect(ClientResponse response, HttpStatus status) {
    if (response.statusCode() == status) {
      // The caller reads the body when it needs one; otherwise it must be released.
      return Mono.empty();
    }
    return response.bodyToMono(String.class).defaultIfEmpty("")
        .flatMap(body -> Mono.error(new MarketException(response.statusCode().value(), body)));
  }
}
