package dev.veil.agent.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EngineLogsTest {

  private final List<LogLine> lines = new ArrayList<>();

  private static void frame(ByteArrayOutputStream out, int stream, String payload) {
    byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
    out.write(stream);
    out.writeBytes(new byte[] {0, 0, 0});
    out.writeBytes(new byte[] {(byte) (bytes.length >>> 24), (byte) (bytes.length >>> 16), (byte) (bytes.length >>> 8), (byte) bytes.length});
    out.writeBytes(bytes);
  }

  /** A socket that hands over one byte per read, as a slow connection may. */
  private static InputStream trickling(byte[] bytes) {
    return new FilterInputStream(new ByteArrayInputStream(bytes)) {
      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        return super.read(b, off, Math.min(1, len));
      }
    };
  }

  private void demultiplex(InputStream in) throws IOException {
    EngineLogs.demultiplex(in, new LogAssembler("stdout", 1024, lines::add), new LogAssembler("stderr", 1024, lines::add));
  }

  @Test
  void recordsStayWholeWhenTheSocketDeliversThemByteByByte() throws IOException {
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    frame(stream, 1, "2026-11-29T09:02:13Z 104");   // Podman: part of a line, no newline
    frame(stream, 2, "2026-11-29T09:02:13Z oops\n");
    frame(stream, 1, "2026-11-29T09:02:14Z 1\n");
    frame(stream, 1, "2026-11-29T09:02:14Z 1042\n");

    demultiplex(trickling(stream.toByteArray()));

    assertThat(lines).extracting(LogLine::stream, LogLine::text).containsExactly(
        org.assertj.core.groups.Tuple.tuple("stderr", "oops"),
        org.assertj.core.groups.Tuple.tuple("stdout", "1041"),
        org.assertj.core.groups.Tuple.tuple("stdout", "1042"));
  }

  @Test
  void anEmptyStreamIsNoLines() throws IOException {
    demultiplex(new ByteArrayInputStream(new byte[0]));

    assertThat(lines).isEmpty();
  }

  @Test
  void aStreamCutInsideAFrameIsAnErrorNotASilentlyShortLog() {
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    frame(stream, 1, "2026-11-29T09:02:13Z complete\n");
    frame(stream, 1, "2026-11-29T09:02:13Z cut short\n");
    byte[] bytes = stream.toByteArray();
    InputStream cut = new ByteArrayInputStream(bytes, 0, bytes.length - 5);

    assertThatThrownBy(() -> demultiplex(cut)).isInstanceOf(EOFException.class);
    assertThat(lines).extracting(LogLine::text).containsExactly("complete");
  }
}
