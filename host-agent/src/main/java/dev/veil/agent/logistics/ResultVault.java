package dev.veil.agent.logistics;

import dev.veil.agent.config.AgentProperties;
import dev.veil.agent.tunnel.GatewayTunnel;
import dev.veil.model.result.DeliveryReceipt;
import dev.veil.model.sealing.SealedResult;
import dev.veil.service.problem.ProblemException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.event.EventListener;
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
 * delivery that fails or is cut off midway leaves it held, to be asked for again. Through a
 * gateway, that connection is the tunnel, and the bytes are still on their way: a delivery that
 * asks for a receipt ({@link DeliveryReceipt}) is in flight until the gateway confirms the owner's
 * connection took the last byte, and is held again if no receipt comes within
 * {@code veil.agent.result-receipt-timeout}. A request for the result while one is in flight waits
 * a few seconds for that to settle, then answers as it turned out.
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

  /**
   * What happened to a held result: collected; its deadline passed; or its deadline passed after
   * it was delivered whole through a gateway whose receipt never came (the owner may well have it).
   */
  public enum Outcome { COLLECTED, EXPIRED, UNCONFIRMED }

  /** Tokens of unconfirmed deliveries kept per result, so a receipt that comes late still counts. */
  static final int KEPT_RECEIPTS = 4;

  private static final Logger log = LoggerFactory.getLogger(ResultVault.class);
  /** How long a request for a result in flight waits for its receipt before it is answered 409. */
  private static final Duration IN_FLIGHT_WAIT = Duration.ofSeconds(5);

  private final Map<String, Held> held = new ConcurrentHashMap<>();
  private final Map<String, InFlight> inFlight = new ConcurrentHashMap<>();
  private final Map<String, Boolean> expected = new ConcurrentHashMap<>();
  // Remembers recently ended results, bounded, so a second read is 410.
  private final Map<String, Boolean> gone = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > 10_000;
    }
  });
  private final PrivateStore store;
  // Every change of a result's state (held, in flight, gone) happens under this lock; the
  // delivery's streaming does not.
  private final Object states = new Object();
  private final Duration receiptTimeout;
  private final Duration inFlightWait;

  /**
   * A held result; {@code unconfirmed}: the tokens of its last deliveries through a gateway that
   * sent no receipt (a late receipt still counts), newest last.
   */
  private record Held(Sinks.One<Outcome> outcome, java.util.List<String> unconfirmed) {

    Held(Sinks.One<Outcome> outcome) {
      this(outcome, java.util.List.of());
    }

    Held unconfirmed(String token) {
      java.util.List<String> tokens = new java.util.ArrayList<>(unconfirmed);
      tokens.add(token);
      return new Held(outcome, java.util.List.copyOf(tokens.subList(Math.max(0, tokens.size() - KEPT_RECEIPTS), tokens.size())));
    }

    boolean confirms(String token) {
      return unconfirmed.stream().anyMatch(sent -> DeliveryReceipt.matches(sent, token));
    }
  }

  /** A result relayed whole, waiting for the relay's receipt; {@code settled} completes with the wait. */
  private record InFlight(Held result, String receipt, Sinks.Empty<Void> settled) {}

  @Autowired
  public ResultVault(PrivateStore store, AgentProperties properties) {
    this(store, properties.resultReceiptTimeout(), IN_FLIGHT_WAIT);
  }

  ResultVault(PrivateStore store, Duration receiptTimeout, Duration inFlightWait) {
    this.store = store;
    this.receiptTimeout = receiptTimeout;
    this.inFlightWait = inFlightWait;
  }

  /** Marks a job whose result will be held, so reads before it ends answer 409 rather than 404. */
  public void expect(String jobId) {
    expected.put(jobId, true);
  }

  /** True for a job whose result is, was or will be held here. */
  public boolean knows(String jobId) {
    return expected.containsKey(jobId) || held.containsKey(jobId) || inFlight.containsKey(jobId) || gone.containsKey(jobId);
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
        .doOnNext(collected -> ended(jobId))
        .switchIfEmpty(Mono.fromSupplier(() -> ended(jobId)));
  }

  // The result's end, whichever way: nothing of it is held or in flight any more.
  private Outcome ended(String jobId) {
    synchronized (states) {
      gone.put(jobId, true);
      Held left = held.remove(jobId);
      expected.remove(jobId);
      InFlight relayed = inFlight.remove(jobId);
      if (relayed != null) {
        relayed.settled().tryEmitEmpty();
      }
      return relayed != null || (left != null && !left.unconfirmed().isEmpty()) ? Outcome.UNCONFIRMED : Outcome.EXPIRED;
    }
  }

  /**
   * Writes the held result to {@code response}, once: 409 (with {@code Retry-After}) while the
   * job still runs or while another request is receiving it, 410 once it was collected or
   * discarded. It counts as collected only when the response has taken its last byte; a delivery
   * that fails or is cut off leaves it held, unless its deadline passed meanwhile.
   */
  public Mono<Void> deliver(String jobId, ServerHttpResponse response) {
    return deliver(jobId, null, false, response);
  }

  /**
   * As {@link #deliver(String, ServerHttpResponse)}; with {@code sealTo} the result goes out sealed
   * to that key ({@link SealedResult}, {@value SealedResult#MEDIA_TYPE}), chunk by chunk as it is
   * read, so only the owner's private key opens it: not the gateway, not whoever holds the session.
   * With {@code receipt} the response carries a {@link DeliveryReceipt} token, and the result stays
   * in flight, not collected, until {@link #receipt} is called with it.
   */
  public Mono<Void> deliver(String jobId, SealedResult.Writer sealTo, boolean receipt, ServerHttpResponse response) {
    return afterInFlight(jobId, () -> {
      Held result;
      synchronized (states) {
        result = held.remove(jobId);
      }
      if (result == null) {
        return Mono.error(unavailable(jobId));
      }
      String token = receipt ? DeliveryReceipt.newToken() : null;
      if (token != null) {
        response.getHeaders().set(DeliveryReceipt.TOKEN_HEADER, token);
      }
      Flux<DataBuffer> body = sealTo == null ? plain(jobId, response) : sealed(jobId, sealTo, response);
      response.getHeaders().setContentType(sealTo == null ? MediaType.APPLICATION_JSON : SEALED);
      return response.writeWith(body)
          .doOnSuccess(done -> {
            if (token == null) {
              collected(jobId, result);
            } else {
              awaitReceipt(jobId, result, token);
            }
          })
          .doOnCancel(() -> restore(jobId, result))
          .doOnError(error -> restore(jobId, result));
    });
  }

  /**
   * The relay's receipt for a delivery: true, and the result is collected, when {@code token} is
   * the one that delivery carried (also when it came too late and the result was held again,
   * unless it is being delivered anew); false for any other token, job or state.
   */
  public boolean receipt(String jobId, String token) {
    synchronized (states) {
      InFlight relayed = inFlight.get(jobId);
      if (relayed != null && DeliveryReceipt.matches(relayed.receipt(), token)) {
        inFlight.remove(jobId);
        collected(jobId, relayed.result());
        relayed.settled().tryEmitEmpty();
        return true;
      }
      Held again = held.get(jobId);
      if (again != null && again.confirms(token)) {
        held.remove(jobId);
        collected(jobId, again);
        return true;
      }
      return false;
    }
  }

  private void collected(String jobId, Held result) {
    synchronized (states) {
      gone.put(jobId, true);
    }
    result.outcome().tryEmitValue(Outcome.COLLECTED);
  }

  private void awaitReceipt(String jobId, Held result, String token) {
    synchronized (states) {
      if (gone.containsKey(jobId)) {
        // Its deadline passed while it was written: it was deleted, no receipt can collect it.
        return;
      }
      inFlight.put(jobId, new InFlight(result, token, Sinks.empty()));
    }
    Schedulers.parallel().schedule(() -> unconfirmed(jobId, token), receiptTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  // No receipt in time, or none can come: the gateway died, or the owner's connection broke, before the last byte.
  private void unconfirmed(String jobId, String token) {
    InFlight relayed;
    synchronized (states) {
      relayed = inFlight.get(jobId);
      if (relayed == null || !relayed.receipt().equals(token)) {
        return;
      }
      inFlight.remove(jobId);
      if (gone.containsKey(jobId)) {
        relayed.settled().tryEmitEmpty();
        return;
      }
      held.putIfAbsent(jobId, relayed.result().unconfirmed(token));
    }
    log.info("job {}: no receipt came from the gateway that its owner took the result; it is held again", jobId);
    relayed.settled().tryEmitEmpty();
  }

  /**
   * The tunnel closed: the gateway at its other end is gone or cut off, and no receipt for what
   * went through it can come that way. Every result in flight is held again at once, for its
   * owner to ask again without waiting out the receipt's timeout (a receipt that still comes, by
   * another way, still counts).
   */
  @EventListener
  public void onTunnelClosed(GatewayTunnel.Closed closed) {
    java.util.List.copyOf(inFlight.entrySet()).forEach(relayed -> unconfirmed(relayed.getKey(), relayed.getValue().receipt()));
  }

  // A request for a result in flight waits, briefly, for its receipt, then is answered as it turned out.
  private Mono<Void> afterInFlight(String jobId, Supplier<Mono<Void>> then) {
    return Mono.defer(() -> {
      InFlight relayed = inFlight.get(jobId);
      if (relayed == null) {
        return then.get();
      }
      return relayed.settled().asMono()
          .timeout(inFlightWait, Mono.empty())
          .then(Mono.defer(() -> inFlight.containsKey(jobId) ? Mono.error(unavailable(jobId)) : then.get()));
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
    return afterInFlight(jobId, () -> held.containsKey(jobId) ? Mono.empty() : Mono.error(unavailable(jobId)));
  }

  private RuntimeException unavailable(String jobId) {
    return gone.containsKey(jobId)
        ? ProblemException.gone("the result was already retrieved or discarded")
        : ProblemException.conflict("the job has not finished yet, or its result is being delivered", Duration.ofSeconds(5));
  }

  // A result whose deadline passed during the delivery is gone; any other is held again.
  private void restore(String jobId, Held result) {
    synchronized (states) {
      if (!gone.containsKey(jobId)) {
        held.putIfAbsent(jobId, result);
      }
    }
  }
}
