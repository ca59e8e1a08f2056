package dev.veil.agent.logs;

import dev.veil.model.json.VeilJson;
import dev.veil.model.sealing.SealedLog;
import dev.veil.service.problem.ProblemException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A job's log as server-sent events, one {@code log} event per line ({@code id} its number), then
 * an {@code end} event with the job's status once the log is complete; a comment while idle.
 * Lines are read from disk a batch at a time, and the next batch only once the connection has
 * taken the last: a reader that does not keep up holds one batch of memory, never more.
 */
@Component
class JobLogStreams {

  // Steps of a stream waiting for its job to run (its definition to arrive, a run slot).
  private static final Duration NOT_YET_RUNNING = Duration.ofSeconds(1);
  private static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);
  // First on every stream, so its headers go out at once (a gateway waits only so long for them):
  // how soon a client that lost the stream should come back.
  private static final byte[] RETRY = "retry: 2000\n\n".getBytes(StandardCharsets.US_ASCII);

  private final JobLogSources sources;
  private final LiveLogProperties properties;
  private final AtomicInteger open = new AtomicInteger();
  private final Map<String, AtomicInteger> openPerJob = new ConcurrentHashMap<>();
  private final Counter linesSent;

  JobLogStreams(JobLogSources sources, LiveLogProperties properties, MeterRegistry meters) {
    this.sources = sources;
    this.properties = properties;
    Gauge.builder("veil.agent.logs.streams", open, AtomicInteger::get)
        .description("owners' live log streams open now").register(meters);
    this.linesSent = Counter.builder("veil.agent.logs.lines.read")
        .description("log lines read from disk for owners' live log streams").register(meters);
  }

  /**
   * The stream of the job's log after its first {@code after} lines. 429 when the job or the host
   * has as many streams open as allowed; 410 when the job ended and nothing of its log is kept
   * ({@code stillHeld} false). Each element is one batch of events, to be written and flushed.
   * With a {@code sealer}, every event's data is sealed ({@link SealedLog}).
   */
  Mono<Flux<DataBuffer>> open(String jobId, long after, boolean follow, BooleanSupplier stillHeld,
      SealedLog.Sealer sealer, DataBufferFactory buffers) {
    return Mono.fromCallable(() -> sources.open(jobId, after))
        .subscribeOn(Schedulers.boundedElastic())
        // A cursor opened for a request cancelled meanwhile is closed, not left counted as a reader.
        .doOnDiscard(Optional.class, JobLogStreams::closeCursor)
        .map(first -> {
          if (first.isEmpty() && !stillHeld.getAsBoolean()) {
            throw ProblemException.gone("this job has ended: its log is no longer kept on this host");
          }
          Slot slot = acquire(jobId, first);
          return Flux.using(() -> slot, s -> events(s, jobId, after, follow, stillHeld, sealer, buffers), Slot::close);
        });
  }

  private Slot acquire(String jobId, Optional<LogCursor> first) {
    // Counted in the map's own update, so a count is never taken on one a closing stream just removed.
    AtomicInteger forJob = openPerJob.compute(jobId, (id, count) -> {
      AtomicInteger counted = count == null ? new AtomicInteger() : count;
      counted.incrementAndGet();
      return counted;
    });
    Slot slot = new Slot(jobId, forJob, first);
    boolean tooManyForJob = forJob.get() > properties.maxStreamsPerJob();
    if (open.incrementAndGet() > properties.maxStreams() || tooManyForJob) {
      slot.close();
      throw ProblemException.rateLimited("too many log streams are open for this job or on this host", Duration.ofSeconds(5));
    }
    return slot;
  }

  private Flux<DataBuffer> events(Slot slot, String jobId, long after, boolean follow, BooleanSupplier stillHeld,
      SealedLog.Sealer sealer, DataBufferFactory buffers) {
    long[] position = {after};
    long[] lastWrite = {System.nanoTime()};
    Mono<LogCursor.Step> step = Mono.defer(() -> {
      if (slot.cursor != null) {
        return slot.cursor.step(follow, properties.keepAlive());
      }
      return Mono.fromCallable(() -> sources.open(jobId, position[0]))
          .subscribeOn(Schedulers.boundedElastic())
          .doOnDiscard(Optional.class, JobLogStreams::closeCursor)
          .flatMap(found -> {
            if (found.isPresent()) {
              return slot.adopt(found.get()).step(follow, properties.keepAlive());
            }
            if (!follow || !stillHeld.getAsBoolean()) {
              return Mono.just(new LogCursor.Caught());
            }
            boolean due = System.nanoTime() - lastWrite[0] >= properties.keepAlive().toNanos();
            return Mono.delay(NOT_YET_RUNNING).thenReturn(due ? new LogCursor.Idle() : new LogCursor.Lines(java.util.List.of()));
          });
    });
    Mono<DataBuffer> first = Mono.fromSupplier(() -> buffers.wrap(sealer == null ? RETRY : sealedHead(sealer)));
    return Flux.concat(first, step.repeat()
        .takeUntil(s -> s instanceof LogCursor.End || s instanceof LogCursor.Caught)
        .filter(s -> !(s instanceof LogCursor.Caught) && !(s instanceof LogCursor.Lines lines && lines.lines().isEmpty()))
        .map(s -> {
          lastWrite[0] = System.nanoTime();
          if (s instanceof LogCursor.Lines lines) {
            position[0] = lines.lines().get(lines.lines().size() - 1).number();
            linesSent.increment(lines.lines().size());
            return encode(lines, sealer, buffers);
          }
          return s instanceof LogCursor.End end ? buffers.wrap(endEvent(end, sealer)) : buffers.wrap(KEEP_ALIVE);
        }));
  }

  // retry first, as on a plain stream, then the sealed stream's header.
  private static byte[] sealedHead(SealedLog.Sealer sealer) {
    byte[] head = sealer.header();
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(RETRY.length + head.length + 32);
    out.writeBytes(RETRY);
    out.writeBytes("event: sealed\ndata: ".getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(head);
    out.writeBytes(new byte[] {'\n', '\n'});
    return out.toByteArray();
  }

  private static DataBuffer encode(LogCursor.Lines lines, SealedLog.Sealer sealer, DataBufferFactory buffers) {
    int size = 0;
    for (var line : lines.lines()) {
      // Sealed: base64url of the JSON and a 16-byte tag.
      size += (sealer == null ? line.json().length : (line.json().length + 16) * 4 / 3 + 4) + 48;
    }
    DataBuffer out = buffers.allocateBuffer(size);
    for (var line : lines.lines()) {
      String id = Long.toString(line.number());
      out.write(("id: " + id + "\nevent: log\ndata: ").getBytes(StandardCharsets.US_ASCII));
      out.write(sealer == null ? line.json() : sealer.seal("log", id, line.json()));
      out.write(new byte[] {'\n', '\n'});
    }
    return out;
  }

  private static byte[] endEvent(LogCursor.End end, SealedLog.Sealer sealer) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("status", end.status());
    data.put("lines", end.lines());
    byte[] json = sealer == null ? VeilJson.write(data) : sealer.seal("end", "", VeilJson.write(data));
    byte[] head = "event: end\ndata: ".getBytes(StandardCharsets.US_ASCII);
    byte[] event = java.util.Arrays.copyOf(head, head.length + json.length + 2);
    System.arraycopy(json, 0, event, head.length, json.length);
    event[event.length - 2] = '\n';
    event[event.length - 1] = '\n';
    return event;
  }

  private static void closeCursor(Optional<?> cursor) {
    cursor.ifPresent(found -> ((LogCursor) found).close());
  }

  /** One open stream, counted against its job's and the host's limits until it ends. */
  private final class Slot implements AutoCloseable {
    private final String jobId;
    private final AtomicInteger forJob;
    private volatile LogCursor cursor;
    private boolean closed;

    Slot(String jobId, AtomicInteger forJob, Optional<LogCursor> first) {
      this.jobId = jobId;
      this.forJob = forJob;
      this.cursor = first.orElse(null);
    }

    /** Takes a cursor found later (the job had not run yet); one found after the stream ended is closed. */
    synchronized LogCursor adopt(LogCursor found) {
      if (closed) {
        found.close();
      } else {
        cursor = found;
      }
      return found;
    }

    @Override
    public synchronized void close() {
      if (closed) {
        return;
      }
      closed = true;
      if (cursor != null) {
        cursor.close();
      }
      open.decrementAndGet();
      openPerJob.computeIfPresent(jobId, (id, count) -> count.decrementAndGet() <= 0 ? null : count);
    }
  }
}
