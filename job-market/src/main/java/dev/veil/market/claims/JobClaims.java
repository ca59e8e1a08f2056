package dev.veil.market.claims;

import dev.veil.market.config.MarketProperties;
import dev.veil.market.jobs.RedisJobStore;
import dev.veil.market.registry.RedisNodeRegistry;
import dev.veil.market.results.RedisResultStore;
import dev.veil.model.market.HeartbeatResponse;
import dev.veil.model.market.JobRecord;
import dev.veil.model.market.ResultReceipt;
import dev.veil.model.result.FlowState;
import dev.veil.model.result.JobStatus;
import dev.veil.model.validation.Violation;
import dev.veil.service.problem.ProblemException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Claims, heartbeats and results. A waiting claim tries at once, then again whenever a job is
 * queued (pub/sub) and at least once a second, so an idle host hears of a new job within a
 * second; the claim's two scripts (pop into the claiming set, then lease) give each job to one host
 * however many try at once.
 */
@Service
public class JobClaims {

  private static final String NOT_HELD = "this node does not hold a claim on that job";

  private final RedisJobStore jobs;
  private final RedisResultStore results;
  private final RedisNodeRegistry nodes;
  private final ReactiveRedisMessageListenerContainer listener;
  private final MarketProperties properties;
  private final Clock clock;
  private final Timer claimLatency;
  private final MeterRegistry meters;

  public JobClaims(RedisJobStore jobs, RedisResultStore results, RedisNodeRegistry nodes,
      ReactiveRedisMessageListenerContainer listener, MarketProperties properties, Clock clock, MeterRegistry meters) {
    this.jobs = jobs;
    this.results = results;
    this.nodes = nodes;
    this.listener = listener;
    this.properties = properties;
    this.clock = clock;
    this.meters = meters;
    this.claimLatency = Timer.builder("veil.market.claim.latency").description("time from posting to claim")
        .publishPercentiles(0.5, 0.99).register(meters);
  }

  Mono<JobRecord> claim(String nodeId, Duration requestedWait) {
    Duration wait = requestedWait.compareTo(properties.maxClaimWait()) > 0 ? properties.maxClaimWait() : requestedWait;
    Mono<RedisJobStore.Claimed> now = Mono.defer(() -> jobs.claim(nodeId, clock.millis(), properties.lease()));
    // Only after a first try finds nothing: try again on every "queued" signal and every second.
    Mono<RedisJobStore.Claimed> later = Flux.merge(
            listener.receive(ChannelTopic.of(RedisJobStore.QUEUED_CHANNEL)).onBackpressureDrop(),
            Flux.interval(Duration.ofSeconds(1)).onBackpressureDrop())
        .concatMap(chance -> now, 1)
        .next()
        .take(wait);
    return nodes.isRegistered(nodeId)
        .filter(Boolean::booleanValue)
        .switchIfEmpty(Mono.error(() -> ProblemException.conflict("register this node (PUT /v1/nodes/self) before claiming")))
        .then(now.switchIfEmpty(wait.isZero() ? Mono.empty() : later))
        .doOnNext(claimed -> claimLatency.record(Duration.ofMillis(Math.max(0, clock.millis() - claimed.postedAt()))))
        .flatMap(claimed -> jobs.find(claimed.jobId()));
  }

  Mono<HeartbeatResponse> heartbeat(String nodeId, String jobId, JobStatus hostStatus) {
    return jobs.heartbeat(jobId, nodeId, clock.millis(), properties.lease(), hostStatus)
        .map(stop -> new HeartbeatResponse(stop, properties.lease().toSeconds()))
        .switchIfEmpty(Mono.error(() -> ProblemException.notFound(NOT_HELD)));
  }

  Mono<ResultReceipt> finish(String nodeId, String jobId, FlowState result) {
    return jobs.find(jobId)
        .filter(job -> nodeId.equals(job.nodeId()))
        .switchIfEmpty(Mono.error(() -> ProblemException.notFound(NOT_HELD)))
        .flatMap(job -> {
          List<Violation> violations = check(job, result);
          if (!violations.isEmpty()) {
            return Mono.error(ProblemException.invalid(violations));
          }
          return results.put(result)
              .flatMap(resultId -> jobs.finish(jobId, nodeId, resultId, clock.millis(), result.status())
                  .doOnNext(state -> meters.counter("veil.market.jobs.finished", "state", state.name()).increment())
                  .switchIfEmpty(Mono.error(() -> ProblemException.notFound(NOT_HELD)))
                  .thenReturn(new ResultReceipt(resultId)));
        });
  }

  /** Defence in depth behind the host: a privately received result is never published with output. */
  private static List<Violation> check(JobRecord job, FlowState result) {
    List<Violation> out = new ArrayList<>();
    if (result.status() == null) {
      out.add(new Violation("/status", "is required"));
    } else if (!result.status().isFinal()) {
      out.add(new Violation("/status", "a published result must have a final status"));
    }
    if (job.definition().receivesResultPrivately() && !result.isEmptyOfOutput()) {
      out.add(new Violation("/opStates", "this job receives its result privately (logistics.receive api-listen): "
          + "only the empty result (status, times, errors) may be published"));
    }
    return out;
  }
}
