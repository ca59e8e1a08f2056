package dev.veil.agent.logistics;

import dev.veil.service.problem.ProblemException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * Results held for their owners ({@code logistics.receive = api-listen}): served once, then gone.
 * A result is held until it is collected or its deadline passes; either way it is deleted and
 * only its empty copy is ever published. The result itself lives only in the encrypted
 * {@link PrivateStore} on disk, as sealed chunks, and is streamed to its owner chunk by chunk
 * (each authenticated before it is sent); nothing of it is kept whole in memory, ever.
 *
 * <p>A result counts as collected only once its last byte has been handed to the connection: a
 * delivery that fails or is cut off midway leaves it held, to be asked for again.
 */
@Component
public class ResultVault {

  /** The name of the full result in the {@link PrivateStore}. */
  public static final String RESULT = "result";
  /** The name of the held result's public copy (status, times and errors) in the {@link PrivateStore}. */
  public static final String PUBLIC_COPY = "public";
  /** The name of the held job's log, every line in order, one JSON document a line, in the {@link PrivateStore}. */
  public static final String LOGS = "logs";

  private static final int READ_BUFFER = 64 * 1024;

  /** What happened to a held result. */
  public enum Outcome { COLLECTED, EXPIRED }

  private final Map<String, Held> held = new ConcurrentHashMap<>();
  private final Map<String, Boolean> expected = new ConcurrentHashMap<>();
  // Remembers recently ended results, bounded, so a second read is 410.
  private final Map<String, Boolean> gone = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > 10_000;
    }
  });
  private final PrivateStore store;

  private record Held(Sinks.One<Outcome> outcome) {}

  public ResultVault(PrivateStore store) {
    this.store = store;
  }

  /** Marks a job whose result will be held, so reads before it ends answer 409 rather than 404. */
  public void expect(String jobId) {
    expected.put(jobId, true);
  }

  /** True for a job whose result is, was or will be held here. */
  public boolean knows(String jobId) {
    return expected.containsKey(jobId) || held.containsKey(jobId) || gone.containsKey(jobId);
  }

  /**
   * Holds the result already in the store under {@code result}; completes when it was collected
   * or its deadline passed.
   */
  public Mono<Outcome> hold(String jobId, Duration deadline) {
    Sinks.One<Outcome> outcome = Sinks.one();
    held.put(jobId, new Held(outcome));
    return outcome.asMono()
        .take(deadline)
        .defaultIfEmpty(Outcome.EXPIRED)
        .doOnNext(done -> {
          held.remove(jobId);
          expected.remove(jobId);
          gone.put(jobId, true);
        });
  }

  /**
   * Writes the held result to {@code response}, once: 409 (with {@code Retry-After}) while the
   * job still runs or while another request is receiving it, 410 once it was collected or
   * discarded. It counts as collected only when the response has taken its last byte; a delivery
   * that fails or is cut off leaves it held, unless its deadline passed meanwhile.
   */
  public Mono<Void> deliver(String jobId, ServerHttpResponse response) {
    return Mono.defer(() -> {
      Held result = held.remove(jobId);
      if (result == null) {
        return Mono.error(unavailable(jobId));
      }
      // Blocking file reads and decryption: DataBufferUtils reads on the bounded-elastic scheduler.
      Flux<DataBuffer> body = DataBufferUtils.readInputStream(
              () -> store.open(jobId, RESULT).orElseThrow(() -> ProblemException.gone("the result was discarded")),
              response.bufferFactory(), READ_BUFFER)
          .subscribeOn(Schedulers.boundedElastic());
      response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
      return response.writeWith(body)
          .doOnSuccess(done -> {
            gone.put(jobId, true);
            result.outcome().tryEmitValue(Outcome.COLLECTED);
          })
          .doOnCancel(() -> restore(jobId, result))
          .doOnError(error -> restore(jobId, result));
    });
  }

  /**
   * What a delivery would answer, without delivering (for {@code HEAD}): nothing when a result
   * is held, else the 409 or 410 a {@code GET} would get.
   */
  public Mono<Void> peek(String jobId) {
    return held.containsKey(jobId) ? Mono.empty() : Mono.error(unavailable(jobId));
  }

  private RuntimeException unavailable(String jobId) {
    return gone.containsKey(jobId)
        ? ProblemException.gone("the result was already retrieved or discarded")
        : ProblemException.conflict("the job has not finished yet, or its result is being delivered", Duration.ofSeconds(5));
  }

  // A result whose deadline passed during the delivery is gone; any other is held again.
  private void restore(String jobId, Held result) {
    if (!gone.containsKey(jobId)) {
      held.putIfAbsent(jobId, result);
    }
  }
}
