package dev.veil.agent.logistics;

import dev.veil.agent.config.AgentProperties;
import dev.veil.agent.identity.NodeIdentity;
import dev.veil.agent.sessions.ValidatedSessions;
import dev.veil.model.auth.NodeRequestSignature;
import dev.veil.model.id.RandomIds;
import dev.veil.model.json.VeilJson;
import dev.veil.model.market.JobRecord;
import dev.veil.model.session.SessionHandles;
import dev.veil.model.session.ValidationRequest;
import dev.veil.model.session.ValidationResponse;
import dev.veil.service.problem.ProblemException;
import dev.veil.service.web.ClientAddresses;
import dev.veil.service.web.FailedLookups;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/**
 * Whether the bearer of an {@code x-session-id} owns a job this node holds. The session is
 * checked with session-service for this job, in a request signed with this node's key, so a
 * session scoped to another node or job is refused there; and it must be scoped to this job
 * (a session good for anything else — posting, stopping, other jobs — is refused here, so a host
 * never holds one). A missing, unknown, expired, revoked, unscoped or out-of-scope session is 401;
 * a valid session whose owner is not the job's owner gets the same 404 as a job this node does
 * not hold.
 *
 * <p>A session accepted here is kept ({@link ValidatedSessions}) while session-service's
 * revocation feed vouches for it, so an owner's next request costs no call; a revocation reaches
 * this node on the feed and ends that at once.
 */
@Component
public class SessionCheck {

  static final String NO_SUCH_JOB = "no such job on this node";

  private final WebClient http;
  private final NodeIdentity node;
  private final AgentProperties properties;
  private final Clock clock;
  private final ValidatedSessions kept;
  private final Timer checkedKept;
  private final Timer checkedRemote;

  public SessionCheck(WebClient.Builder builder, NodeIdentity node, AgentProperties properties, Clock clock,
      ValidatedSessions kept, MeterRegistry registry) {
    this.http = builder.baseUrl(properties.sessionUrl()).build();
    this.node = node;
    this.properties = properties;
    this.clock = clock;
    this.kept = kept;
    this.checkedKept = checkTimer("kept", registry);
    this.checkedRemote = checkTimer("session-service", registry);
  }

  /** The job, when the session's owner owns it; {@code jobs} finds a job this node holds. */
  public Mono<JobRecord> ownedJob(String sessionId, String jobId, Function<String, Mono<JobRecord>> jobs) {
    if (sessionId == null || sessionId.isBlank()) {
      return Mono.error(ProblemException.denied("x-session-id is required"));
    }
    String scopedJob = RandomIds.isWellFormed(jobId) ? jobId : null;
    return check(sessionId.trim(), scopedJob)
        .switchIfEmpty(Mono.error(() -> ProblemException.denied(
            "the session is missing, unknown, expired, revoked, or not scoped to this job (and this node)")))
        .flatMap(valid -> (scopedJob == null ? Mono.<JobRecord>empty() : jobs.apply(scopedJob))
            .filter(job -> job.owner().equals(valid.owner()))
            .switchIfEmpty(Mono.error(() -> ProblemException.notFound(NO_SUCH_JOB))));
  }

  /** The session's validation when it is valid and accepted here, from what this node keeps or from session-service. */
  private Mono<ValidationResponse> check(String sessionId, String scopedJob) {
    return Mono.defer(() -> {
      long start = System.nanoTime();
      String handle = SessionHandles.of(sessionId);
      return kept.find(handle)
          .map(session -> Mono.just(session).filter(valid -> accepted(valid, scopedJob))
              .doOnTerminate(() -> checkedKept.record(System.nanoTime() - start, TimeUnit.NANOSECONDS)))
          .orElseGet(() -> {
            long ticket = kept.ticket();
            return validate(sessionId, scopedJob)
                .filter(valid -> accepted(valid, scopedJob))
                .doOnNext(valid -> kept.keep(handle, valid, ticket))
                .doOnTerminate(() -> checkedRemote.record(System.nanoTime() - start, TimeUnit.NANOSECONDS));
          });
    });
  }

  /**
   * {@code veil.agent.sessions.check{source}}: what checking a session costs this node (until the
   * answer, before the request goes on), as a histogram from 10 µs, so percentiles can be read
   * over any interval.
   */
  private static Timer checkTimer(String source, MeterRegistry registry) {
    return Timer.builder("veil.agent.sessions.check").tag("source", source)
        .description("time to check a session for a private request, by where the answer came from")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(10_000))
        .maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
  }

  /**
   * Only a valid session scoped to this job (and, if to a node, to this one) is taken here: what a
   * host receives must be good for nothing else, not even at the market.
   */
  private boolean accepted(ValidationResponse valid, String scopedJob) {
    return valid.valid() && scopedJob != null && scopedJob.equals(valid.jobId())
        && (valid.nodeId() == null || valid.nodeId().equals(node.nodeId()));
  }

  private Mono<ValidationResponse> validate(String sessionId, String jobId) {
    // The client who presented it (the gateway says who, in X-Forwarded-For), so its failures count against it alone.
    return ClientAddresses.current().flatMap(client -> validate(sessionId, jobId, client));
  }

  private Mono<ValidationResponse> validate(String sessionId, String jobId, String client) {
    byte[] body = VeilJson.write(new ValidationRequest(sessionId, jobId, client));
    String path = "/v1/sessions/validate";
    NodeRequestSignature signature = NodeRequestSignature.sign(node.key(), "session-service", "POST", path, body, clock.instant());
    return http.post().uri(path).contentType(MediaType.APPLICATION_JSON)
        .headers(h -> signature.headers().forEach(h::add))
        .bodyValue(body)
        .retrieve()
        .onStatus(status -> status.value() == 429, FailedLookups::slowDown)
        .bodyToMono(ValidationResponse.class)
        .timeout(Duration.ofSeconds(5))
        .onErrorMap(e -> !ProblemException.hasStatus(e, HttpStatus.TOO_MANY_REQUESTS),
            e -> ProblemException.upstreamUnavailable("sessions cannot be checked right now; try again", Duration.ofSeconds(5)));
  }
}
