package dev.veil.agent.logs;

import dev.veil.agent.run.LogJournal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** A stream's place in a running job's {@link LogJournal}. */
final class JournalCursor implements LogCursor {

  private final LogJournal.Reader reader;
  private final LiveLogProperties properties;
  private volatile boolean closed;

  JournalCursor(LogJournal.Reader reader, LiveLogProperties properties) {
    this.reader = reader;
    this.properties = properties;
  }

  @Override
  public Mono<Step> step(boolean follow, Duration idle) {
    return Mono.defer(() -> {
      LogJournal.State state = reader.state();
      if (reader.position() < state.available()) {
        // Disk reads and decryption: off the event loop.
        return Mono.<Step>fromCallable(() -> {
          try {
            return new Lines(reader.read(state.available(), properties.batchLines(), properties.batchBytes()));
          } catch (IOException | RuntimeException e) {
            // The stream ended (its reader closed) while this read ran: nobody is left to tell.
            if (closed) {
              return new Caught();
            }
            throw e;
          }
        }).subscribeOn(Schedulers.boundedElastic());
      }
      if (state.end() != null) {
        return Mono.just(new End(state.end(), state.available()));
      }
      if (!follow) {
        return Mono.just(new Caught());
      }
      return state.changed().then(Mono.<Step>just(new Lines(java.util.List.of()))).timeout(idle, Mono.just(new Idle()));
    });
  }

  @Override
  public void close() {
    closed = true;
    try {
      reader.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
