package dev.veil.agent.logs;

import dev.veil.agent.run.LogJournal.Numbered;
import dev.veil.model.result.JobStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A stream's place in the log kept beside a held private result (one JSON document a line, in
 * the journal's order, so a line keeps its number across the job's end and a host restart).
 */
final class StoredCursor implements LogCursor {

  private final InputStream in;
  private final JobStatus status;
  private final long after;
  private final LiveLogProperties properties;
  private long position;
  private boolean done;
  private volatile boolean closed;

  StoredCursor(InputStream in, JobStatus status, long after, LiveLogProperties properties) {
    this.in = new java.io.BufferedInputStream(in);
    this.status = status;
    this.after = after;
    this.properties = properties;
  }

  @Override
  public Mono<Step> step(boolean follow, Duration idle) {
    return Mono.<Step>fromCallable(() -> {
      try {
        return next();
      } catch (IOException | RuntimeException e) {
        // The stream ended (its file closed) while this read ran: nobody is left to tell.
        if (closed) {
          return new Caught();
        }
        throw e;
      }
    }).subscribeOn(Schedulers.boundedElastic());
  }

  private Step next() throws IOException {
    if (done) {
      return new End(status, position);
    }
    List<Numbered> batch = new ArrayList<>();
    long bytes = 0;
    while (batch.size() < properties.batchLines() && bytes < properties.batchBytes()) {
      byte[] line = readLine();
      if (line == null) {
        done = true;
        break;
      }
      position++;
      if (position > after) {
        batch.add(new Numbered(position, line));
        bytes += line.length;
      }
    }
    return batch.isEmpty() && done ? new End(status, position) : new Lines(batch);
  }

  // One line of the kept log, without its newline; null at its end.
  private byte[] readLine() throws IOException {
    java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0 && b != '\n') {
      line.write(b);
    }
    return b < 0 && line.size() == 0 ? null : line.toByteArray();
  }

  @Override
  public void close() {
    closed = true;
    try {
      in.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
