package dev.veil.agent.run;

import dev.veil.model.json.VeilJson;
import dev.veil.model.result.JobLogLine;
import dev.veil.model.result.JobStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Every line a job's ops print, in the order the host read them, numbered from 1: what its owner
 * follows live ({@code GET /job-logs/{jobId}}) and resumes after a given line. The lines are
 * sealed on disk ({@link SealedSpool}, a key held only here), never in memory beyond a reader's
 * batch, so a reader that does not keep up costs the agent disk it already spends, not heap.
 */
public final class LogJournal implements AutoCloseable {

  private final SealedSpool spool;
  private long lines;
  private JobStatus end;
  private boolean closed;
  private int readers;
  private Sinks.Empty<Void> changed = Sinks.empty();
  // A reader took the current signal and may wait on it: the next change fires it.
  private boolean armed;

  public LogJournal(Path file) {
    this.spool = new SealedSpool(file);
  }

  public void append(JobLogLine line) {
    Sinks.Empty<Void> fired;
    synchronized (this) {
      if (closed) {
        return;
      }
      spool.append(VeilJson.write(line));
      lines++;
      fired = fire();
    }
    tell(fired);
  }

  /** The job's logs are complete: readers get what is left, then the end with this status. */
  public void end(JobStatus status) {
    Sinks.Empty<Void> fired = null;
    synchronized (this) {
      if (end == null) {
        end = status;
        fired = fire();
      }
    }
    tell(fired);
  }

  public synchronized long lines() {
    return lines;
  }

  /** Whether anyone follows the journal now (lines are read from the engine more often then). */
  public synchronized boolean isFollowed() {
    return readers > 0;
  }

  /**
   * A reader of the lines after the first {@code after}; empty once the journal was closed. A
   * reader opened before keeps reading to the end although the file is deleted.
   */
  public synchronized Optional<Reader> reader(long after) {
    if (closed) {
      return Optional.empty();
    }
    try {
      Reader reader = new Reader(spool.reader(), Math.max(0, after));
      readers++;
      return Optional.of(reader);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the job's log", e);
    }
  }

  /** Writes every line so far, one JSON document a line, for keeping beside a held result. */
  public void writeTo(OutputStream out) throws IOException {
    long count;
    SealedSpool.Reader reader;
    synchronized (this) {
      count = spool.flush();
      reader = spool.reader();
    }
    try (reader) {
      while (reader.next() < count) {
        out.write(reader.read());
        out.write('\n');
      }
    }
  }

  /** Deletes the file; readers already open read on to its end. */
  @Override
  public void close() {
    Sinks.Empty<Void> fired;
    synchronized (this) {
      closed = true;
      spool.close();
      fired = fire();
    }
    tell(fired);
  }

  // Under the lock: the signal readers took, replaced by a fresh one; null when none was taken.
  private Sinks.Empty<Void> fire() {
    if (!armed) {
      return null;
    }
    armed = false;
    Sinks.Empty<Void> fired = changed;
    changed = Sinks.empty();
    return fired;
  }

  // Outside the lock: whoever waits on it goes on on this thread.
  private static void tell(Sinks.Empty<Void> fired) {
    if (fired != null) {
      fired.tryEmitEmpty();
    }
  }

  /** Where a reader stands: lines it may read now, the journal's end if it came, and a signal of the next change. */
  public record State(long available, JobStatus end, Mono<Void> changed) {}

  /** A line and its number (from 1). */
  public record Numbered(long number, byte[] json) {}

  /** Reads the journal from a line on, in batches; one thread at a time. */
  public final class Reader implements AutoCloseable {
    private final SealedSpool.Reader in;
    private final long after;
    private boolean skipped;
    private boolean open = true;

    private Reader(SealedSpool.Reader in, long after) {
      this.in = in;
      this.after = after;
    }

    /** Lines read so far, the first {@code after} included: the number of the last line handed out. */
    public long position() {
      return skipped ? in.next() : after;
    }

    public State state() {
      synchronized (LogJournal.this) {
        // A change after this, even before the reader waits on it, completes it (an empty sink
        // replays its completion to later subscribers).
        armed = true;
        Mono<Void> next = changed.asMono();
        long available = spool.flush();
        // Closed without an end (the job's run failed): what is there is all there will be.
        JobStatus status = end != null || !closed ? end : JobStatus.FAILED;
        return new State(available, status, next);
      }
    }

    /** Up to {@code maxLines} lines or about {@code maxBytes} bytes of the {@code available} a {@link #state()} gave; blocking. */
    public List<Numbered> read(long available, int maxLines, long maxBytes) throws IOException {
      if (!skipped) {
        in.skip(Math.min(after, available) - in.next());
        skipped = in.next() == after;
        if (!skipped) {
          return List.of();
        }
      }
      List<Numbered> batch = new ArrayList<>();
      long bytes = 0;
      while (in.next() < available && batch.size() < maxLines && bytes < maxBytes) {
        byte[] json = in.read();
        bytes += json.length;
        batch.add(new Numbered(in.next(), json));
      }
      return batch;
    }

    @Override
    public void close() throws IOException {
      synchronized (LogJournal.this) {
        if (open) {
          open = false;
          readers--;
        }
      }
      in.close();
    }
  }
}
