package dev.veil.agent.run;

import dev.veil.model.json.VeilJson;
import dev.veil.model.result.LogEntry;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One op's log: the first {@code memoryLines} lines in memory, every further line appended to a
 * spool file (JSON lines), so a chatty container cannot exhaust the agent's memory. Nothing is
 * dropped here; what is published may be cut (see {@link #forEach}).
 */
public final class OpLog implements AutoCloseable {

  private final int memoryLines;
  private final Path spool;
  private final List<LogEntry> memory = new ArrayList<>();
  private BufferedWriter writer;
  private long spooled;

  public OpLog(int memoryLines, Path spool) {
    this.memoryLines = memoryLines;
    this.spool = spool;
  }

  public synchronized void add(LogEntry entry) {
    if (memory.size() < memoryLines) {
      memory.add(entry);
      return;
    }
    try {
      if (writer == null) {
        Files.createDirectories(spool.getParent());
        writer = Files.newBufferedWriter(spool, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      }
      writer.write(new String(VeilJson.write(entry), StandardCharsets.UTF_8));
      writer.newLine();
      spooled++;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot spool an op log to " + spool, e);
    }
  }

  public synchronized long size() {
    return memory.size() + spooled;
  }

  /** Every entry in order, memory first, then the spool. */
  public synchronized void forEach(Consumer<LogEntry> consumer) {
    memory.forEach(consumer);
    if (writer == null) {
      return;
    }
    try {
      writer.flush();
      try (var lines = Files.lines(spool, StandardCharsets.UTF_8)) {
        lines.forEach(line -> consumer.accept(VeilJson.readStrict(line.getBytes(StandardCharsets.UTF_8), LogEntry.class)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the spooled op log " + spool, e);
    }
  }

  /** At most {@code max} entries, and a host note saying how many more there were. */
  public List<LogEntry> entries(int max) {
    List<LogEntry> out = new ArrayList<>();
    long[] total = {0};
    forEach(entry -> {
      if (out.size() < max) {
        out.add(entry);
      }
      total[0]++;
    });
    if (total[0] > max) {
      out.add(new LogEntry(LogEntry.NODEERR, (total[0] - max) + " more log lines were not included", System.currentTimeMillis()));
    }
    return out;
  }

  @Override
  public synchronized void close() {
    try {
      if (writer != null) {
        writer.close();
      }
      Files.deleteIfExists(spool);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
