package dev.veil.agent.engine;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Reassembles one stream's lines from the engine's log frames (read with {@code timestamps=1}),
 * with bounded memory whatever the container wrote.
 *
 * <p>The engine starts each record with its timestamp and a space ({@code 2026-11-29T08:57:29Z }
 * from Podman, with nanoseconds from Docker). A record ends with a newline, or, for output written
 * without one, at the end of its frame: the next record on the same stream continues that line.
 * Bytes are kept as bytes until a line is complete, so a character split across frames stays whole.
 * A line longer than {@code maxLineBytes} is handed on in parts, each part after the first marked
 * {@code continued}, cut between characters — never dropped, never buffered whole.
 */
final class LogAssembler {

  private static final int MAX_TIMESTAMP = 40;

  private final String stream;
  private final int maxLineBytes;
  private final Consumer<LogLine> out;
  private final byte[] line;
  private int length;
  private long lineTimestamp = -1;
  private boolean continued;
  private boolean open;

  LogAssembler(String stream, int maxLineBytes, Consumer<LogLine> out) {
    if (maxLineBytes < 4) {
      throw new IllegalArgumentException("a line part must hold at least one character of any width");
    }
    this.stream = stream;
    this.maxLineBytes = maxLineBytes;
    this.out = out;
    this.line = new byte[maxLineBytes];
  }

  /** One frame's payload: one or more records, the last possibly without its newline. */
  void accept(byte[] payload) {
    accept(payload, true);
  }

  /**
   * A frame, or a part of one: {@code recordStart} is false for the parts after the first of a
   * frame read in parts, which carry no timestamp of their own.
   */
  void accept(byte[] payload, boolean recordStart) {
    int pos = 0;
    boolean atRecordStart = recordStart;
    while (pos < payload.length) {
      long timestamp = -1;
      int space = atRecordStart ? timestampEnd(payload, pos) : -1;
      atRecordStart = true;
      if (space >= 0) {
        timestamp = parse(payload, pos, space);
        pos = space + 1;
      }
      if (!open) {
        lineTimestamp = timestamp;
        open = true;
      }
      int newline = indexOf(payload, (byte) '\n', pos);
      int end = newline < 0 ? payload.length : newline;
      append(payload, pos, end);
      if (newline < 0) {
        return;
      }
      endLine();
      pos = newline + 1;
    }
  }

  /** The end of the stream: a last line written without a newline is a line too. */
  void flush() {
    if (open) {
      endLine();
    }
  }

  private void append(byte[] bytes, int from, int to) {
    int pos = from;
    while (pos < to) {
      // A full buffer goes out only when more of the line comes, so a line of exactly the
      // maximum stays one entry.
      if (length == maxLineBytes) {
        emitPart();
      }
      int n = Math.min(to - pos, maxLineBytes - length);
      System.arraycopy(bytes, pos, line, length, n);
      length += n;
      pos += n;
    }
  }

  // A full buffer goes out as one part, cut before a character whose bytes have not all arrived.
  private void emitPart() {
    int start = length - 1;
    while (start > 0 && length - start < 4 && (line[start] & 0xC0) == 0x80) {
      start--;
    }
    int lead = line[start] & 0xFF;
    int width = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    int cut = start + width > length && start > 0 ? start : length;
    out.accept(new LogLine(stream, new String(line, 0, cut, StandardCharsets.UTF_8), lineTimestamp, continued));
    int rest = length - cut;
    System.arraycopy(line, cut, line, 0, rest);
    length = rest;
    continued = true;
  }

  private void endLine() {
    int end = length;
    if (end > 0 && line[end - 1] == '\r') {
      end--;
    }
    out.accept(new LogLine(stream, new String(line, 0, end, StandardCharsets.UTF_8), lineTimestamp, continued));
    length = 0;
    continued = false;
    open = false;
    lineTimestamp = -1;
  }

  /** The epoch milliseconds of the timestamp a frame starts with, or -1 when it has none. */
  static long leadingTimestamp(byte[] payload) {
    int space = timestampEnd(payload, 0);
    return space < 0 ? -1 : parse(payload, 0, space);
  }

  // Where the space after a leading RFC 3339 timestamp is, or -1 if the record has none.
  private static int timestampEnd(byte[] bytes, int from) {
    if (bytes.length - from < 21 || !isDigit(bytes[from]) || bytes[from + 4] != '-' || bytes[from + 10] != 'T') {
      return -1;
    }
    int limit = Math.min(bytes.length, from + MAX_TIMESTAMP);
    for (int i = from + 19; i < limit; i++) {
      if (bytes[i] == ' ') {
        return i;
      }
    }
    return -1;
  }

  private static long parse(byte[] bytes, int from, int to) {
    try {
      return OffsetDateTime.parse(new String(Arrays.copyOfRange(bytes, from, to), StandardCharsets.US_ASCII))
          .toInstant().toEpochMilli();
    } catch (DateTimeParseException e) {
      return -1;
    }
  }

  private static boolean isDigit(byte b) {
    return b >= '0' && b <= '9';
  }

  private static int indexOf(byte[] bytes, byte b, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }
}
