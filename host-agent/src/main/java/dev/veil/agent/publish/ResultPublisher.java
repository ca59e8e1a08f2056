package dev.veil.agent.publish;

import dev.veil.agent.config.AgentProperties;
import dev.veil.agent.market.MarketClient;
import dev.veil.agent.market.MarketException;
import dev.veil.model.result.FlowState;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * Publishes a job's result so that the job ends, once, whatever the market answers.
 *
 * <ul>
 *   <li>The result is first cut to {@code max-published-result-bytes} ({@link ResultFitter}).</li>
 *   <li>A market that cannot answer now (no connection, 5xx, 429) is asked again with a growing
 *       back-off for {@code publish-retry-for}; the job's heartbeat goes on meanwhile, so its
 *       claim holds.</li>
 *   <li>A result the market refuses as such (400, 413, 422) is replaced by one that says so,
 *       carrying only status, times and errors; a job is never left running, to be claimed and
 *       run again, because its result could not be published.</li>
 *   <li>404 or 409 (the job is no longer this node's, or already has its result) ends the attempt.</li>
 * </ul>
 */
@Component
public class ResultPublisher {

  private static final Logger log = LoggerFactory.getLogger(ResultPublisher.class);
  private static final Set<Integer> REFUSED = Set.of(400, 413, 422);
  private static final Set<Integer> SETTLED = Set.of(404, 409);

  private final MarketClient market;
  private final AgentProperties properties;
  private final MeterRegistry meters;
  private final Duration firstBackoff;

  @Autowired
  public ResultPublisher(MarketClient market, AgentProperties properties, MeterRegistry meters) {
    this(market, properties, meters, Duration.ofSeconds(1));
  }

  ResultPublisher(MarketClient market, AgentProperties properties, MeterRegistry meters, Duration firstBackoff) {
    this.market = market;
    this.properties = properties;
    this.meters = meters;
    this.firstBackoff = firstBackoff;
  }

  /** Completes once the result is published, or publishing it has been given up (and logged). */
  public Mono<Void> publish(String jobId, FlowState result) {
    FlowState fitted = ResultFitter.fit(result, properties.maxPublishedResultBytes().toBytes());
    return send(jobId, fitted)
        .onErrorResume(e -> refused(e) && !fitted.isEmptyOfOutput(), e -> {
          meters.counter("veil.agent.results.refused").increment();
          log.warn("job {}: the market refused its result ({}); publishing status and errors only", jobId, e.getMessage());
          return send(jobId, fitted.publicCopy().withError("the host's result was refused by the market (" + e.getMessage()
              + "); only status, times and errors are published"));
        })
        .onErrorResume(e -> {
          if (e instanceof MarketException m && SETTLED.contains(m.status())) {
            log.info("job {}: not published ({}): the job is no longer this node's or already has its result", jobId, e.getMessage());
          } else {
            meters.counter("veil.agent.results.unpublished").increment();
            log.warn("job {}: its result could not be published: {}", jobId, e.getMessage());
          }
          return Mono.empty();
        });
  }

  private Mono<Void> send(String jobId, FlowState result) {
    Duration retryFor = properties.publishRetryFor();
    return market.publish(jobId, result).then()
        .retryWhen(Retry.backoff(Long.MAX_VALUE, firstBackoff).maxBackoff(Duration.ofSeconds(30))
            .filter(ResultPublisher::transientFailure)
            .doBeforeRetry(signal -> log.warn("job {}: publishing its result failed ({}); retrying", jobId,
                signal.failure().getMessage()))
            .onRetryExhaustedThrow((spec, signal) -> signal.failure()))
        .timeout(retryFor, Mono.error(() -> new IllegalStateException("the market did not take it within " + retryFor)));
  }

  private static boolean refused(Throwable e) {
    return e instanceof MarketException m && REFUSED.contains(m.status());
  }

  private static boolean transientFailure(Throwable e) {
    if (e instanceof MarketException m) {
      return m.status() >= 500 || m.status() == 429;
    }
    return true; // no answer at all: connection refused, reset, timed out
  }
}
