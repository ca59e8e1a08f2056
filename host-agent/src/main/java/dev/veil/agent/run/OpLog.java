package dev.veil.agent.run;

import dev.veil.model.json.VeilJson;
import dev.veil.model.result.JobLogLine;
import dev.veil.model.result.LogEntry;
import java.nio.file.Path;
import java.util.AbstractSequentialList;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.ListIterator;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * One op's log: the first {@code memoryLines} lines in memory, as long as they hold no more than
 * {@link #MEMORY_CHARS} characters together, every further line appended to a {@link SealedSpool}
 * (encrypted under a key only this object holds), so a chatty container cannot exhaust the
 * agent's memory and a private job's output is never on disk in clear. Nothing is dropped here;
 * what is published may be cut (see {@link #entries}).
 */
public final class OpLog implements AutoCloseable {

  /**
   * Characters of log an op keeps in memory at most: without it, 1,000 lines of 16 KiB parts (a
   * job printing without newlines) held 16 MiB per op until the result was published
   * (docs/benchmarks.md).
   */
  static final long MEMORY_CHARS = 256 * 1024;

  private final int memoryLines;
  private final long memoryChars;
  private final List<LogEntry> memory = new ArrayList<>();
  private final SealedSpool spool;
  private final String opId;
  private final LogJournal journal;
  private long charsInMemory;
  private boolean spilling;

  public OpLog(int memoryLines, Path spool) {
    this(memoryLines, MEMORY_CHARS, spool, null, null);
  }

  /** An op's log whose every entry also goes to the job's {@link LogJournal}, marked with the op's ID. */
  OpLog(int memoryLines, Path spool, String opId, LogJournal journal) {
    this(memoryLines, MEMORY_CHARS, spool, opId, journal);
  }

  OpLog(int memoryLines, long memoryChars, Path spool) {
    this(memoryLines, memoryChars, spool, null, null);
  }

  private OpLog(int memoryLines, long memoryChars, Path spool, String opId, LogJournal journal) {
    this.memoryLines = memoryLines;
    this.memoryChars = memoryChars;
    this.spool = new SealedSpool(spool);
    this.opId = opId;
    this.journal = journal;
  }

  public synchronized void add(LogEntry entry) {
    if (journal != null) {
      journal.append(JobLogLine.of(opId, entry));
    }
    // Once one entry went to the spool, every later one does: entries stay in order, memory first.
    if (!spilling && memory.size() < memoryLines && charsInMemory + entry.log().length() <= memoryChars) {
      memory.add(entry);
      charsInMemory += entry.log().length();
      return;
    }
    spilling = true;
    spool.append(VeilJson.write(entry));
  }

  public synchronized long size() {
    return memory.size() + spool.records();
  }

  /** Every entry in order, memory first, then the spool. */
  public synchronized void forEach(Consumer<LogEntry> consumer) {
    memory.forEach(consumer);
    spool.forEach(bytes -> consumer.accept(VeilJson.readStrict(bytes, LogEntry.class)));
  }

  /**
   * Every entry so far, as a list that reads the spool only as it is iterated: for writing a
   * whole log out (a private result) with memory bounded by one entry, not by the log.
   */
  public synchronized List<LogEntry> all() {
    List<LogEntry> inMemory = List.copyOf(memory);
    long total = size();
    return new AbstractSequentialList<>() {
      // A serializer may walk the list by index: index i + 1 after i reads on, anything else starts over.
      private ListIterator<LogEntry> cursor;

      @Override
      public int size() {
        return (int) Math.min(Integer.MAX_VALUE, total);
      }

      @Override
      public LogEntry get(int index) {
        if (cursor == null || cursor.nextIndex() != index) {
          cursor = listIterator(0);
          for (int i = 0; i < index; i++) {
            cursor.next();
          }
        }
        return cursor.next();
      }

      @Override
      public ListIterator<LogEntry> listIterator(int index) {
        if (index != 0) {
          throw new UnsupportedOperationException("a spooled log is read from its start");
        }
        Iterator<byte[]> spooled;
        synchronized (OpLog.this) {
          spooled = spool.iterator();
        }
        return new ForwardIterator<>(inMemory.iterator(), spooled, bytes -> VeilJson.readStrict(bytes, LogEntry.class));
      }
    };
  }

  /**
   * The first entries, at most {@code max} of them and, past {@code maxChars} characters of log,
   * no more; then a host note saying how many more there were. Reads no further than it keeps.
   */
  public synchronized List<LogEntry> entries(int max, long maxChars) {
    List<LogEntry> out = new ArrayList<>();
    long[] chars = {0};
    Predicate<LogEntry> keep = entry -> {
      if (out.size() >= max || chars[0] >= maxChars) {
        return false;
      }
      out.add(entry);
      chars[0] += entry.log().length();
      return true;
    };
    boolean more = memory.stream().allMatch(keep::test);
    if (more) {
      spool.forEachWhile(bytes -> keep.test(VeilJson.readStrict(bytes, LogEntry.class)));
    }
    long total = size();
    if (total > out.size()) {
      out.add(new LogEntry(LogEntry.NODEERR, (total - out.size()) + " more log lines were not included", System.currentTimeMillis()));
    }
    return out;
  }

  @Override
  public synchronized void close() {
    spool.close();
  }
}
