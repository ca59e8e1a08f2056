package dev.veil.agent.logistics;

import dev.veil.model.sealing.SealedResult;
import dev.veil.service.problem.ProblemException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
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
    return deliver(jobId, null, response);
  }

  /**
   * As {@link #deliver(String, ServerHttpResponse)}; with {@code sealTo} the result goes out sealed
   * to that key ({@link SealedResult}, {@value SealedResult#MEDIA_TYPE}), chunk by chunk as it is
   * read, so only the owner's private key opens it: not the gateway, not whoever holds the session.
   */
  public Mono<Void> deliver(String jobId, SealedResult.Writer sealTo, ServerHttpResponse response) {
    return Mono.defer(() -> {
      Held result = held.remove(jobId);
      if (result == null) {
        return Mono.error(unavailable(jobId));
      }
      Flux<DataBuffer> body = sealTo == null ? plain(jobId, response) : sealed(jobId, sealTo, response);
      response.getHeaders().setContentType(sealTo == null ? MediaType.APPLICATION_JSON : SEALED);
      return response.writeWith(body)
          .doOnSuccess(done -> {
            gone.put(jobId, true);
            result.outcome().tryEmitValue(Outcome.COLLECTED);
          })
          .doOnCancel(() -> restore(jobId, result))
          .doOnError(error -> restore(jobId, result));
    });
  }

  private static final MediaType SEALED = MediaType.parseMediaType(SealedResult.MEDIA_TYPE);

  private Flux<DataBuffer> plain(String jobId, ServerHttpResponse response) {
    // Blocking file reads and decryption: DataBufferUtils reads on the bounded-elastic scheduler.
    return DataBufferUtils.readInputStream(() -> stored(jobId), response.bufferFactory(), READ_BUFFER)
        .subscribeOn(Schedulers.boundedElastic());
  }

  private InputStream stored(String jobId) {
    return store.open(jobId, RESULT).orElseThrow(() -> ProblemException.gone("the result was discarded"));
  }

  // One sealed chunk per buffer: read a chunk ahead, so the last one is known to be the last.
  private Flux<DataBuffer> sealed(String jobId, SealedResult.Writer writer, ServerHttpResponse response) {
    return Flux.<DataBuffer, SealingState>generate(() -> new SealingState(stored(jobId)), (state, sink) -> {
      try {
        sink.next(response.bufferFactory().wrap(state.next(writer)));
        if (state.ended) {
          sink.complete();
        }
      } catch (IOException e) {
        sink.error(new UncheckedIOException(e));
      }
      return state;
    }, SealingState::close).subscribeOn(Schedulers.boundedElastic());
  }

  private static final class SealingState {
    private final InputStream in;
    private byte[] ahead;
    private boolean started;
    private boolean ended;

    SealingState(InputStream in) {
      this.in = in;
    }

    byte[] next(SealedResult.Writer writer) throws IOException {
      if (!started) {
        started = true;
        ahead = in.readNBytes(SealedResult.CHUNK);
        return writer.head();
      }
      byte[] chunk = ahead;
      ahead = chunk.length < SealedResult.CHUNK ? new byte[0] : in.readNBytes(SealedResult.CHUNK);
      ended = ahead.length == 0;
      return writer.chunk(chunk, chunk.length, ended);
    }

    void close() {
      try {
        in.close();
      } catch (IOException e) {
        // Only read from: nothing is lost.
      }
    }
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
