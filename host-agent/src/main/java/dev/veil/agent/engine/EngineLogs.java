package dev.veil.agent.engine;

import com.github.dockerjava.transport.DockerHttpClient;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.springframework.stereotype.Component;

/**
 * Reads a container's whole log from the Docker Engine API ({@code GET /containers/{id}/logs},
 * both streams, with timestamps), frame by frame.
 *
 * <p>It reads the multiplexed stream itself rather than through docker-java, whose reader hands
 * on a frame in pieces whenever a socket read returns early: the engine's frames are its log
 * records (Podman ends a record without a newline when the container wrote part of a line), and
 * only whole frames tell where a record, and its timestamp, begins.
 */
@Component
class EngineLogs {

  // Engines write records of a few KiB (Podman 8 KiB, Docker 16 KiB); a larger frame is read in
  // parts of this size, so no frame header can make the agent allocate more.
  static final int MAX_PART = 1 << 20;

  private final DockerHttpClient http;

  EngineLogs(DockerHttpClient http) {
    this.http = http;
  }

  /** A follower of the container's log, read in steps (see {@link LogFollower}). */
  LogFollower follower(String containerId, int maxLineBytes, Consumer<LogLine> each) {
    return new LogFollower(this, containerId, maxLineBytes, each);
  }

  /**
   * The container's log as it stands ({@code follow=0}), both streams with timestamps, from the
   * given second on ({@code since}), or whole when {@code since} is negative. Blocking.
   */
  InputStream open(String containerId, long since) throws IOException {
    DockerHttpClient.Request request = DockerHttpClient.Request.builder()
        .method(DockerHttpClient.Request.Method.GET)
        .path("/containers/" + URLEncoder.encode(containerId, StandardCharsets.UTF_8)
            + "/logs?stdout=1&stderr=1&timestamps=1&follow=0" + (since >= 0 ? "&since=" + since : ""))
        .build();
    DockerHttpClient.Response response = http.execute(request);
    try {
      if (response.getStatusCode() == 404) {
        throw new ContainerGoneException(containerId);
      }
      if (response.getStatusCode() != 200) {
        throw new IOException("the engine answered " + response.getStatusCode() + " to a log read");
      }
      return new FilterInputStream(response.getBody()) {
        @Override
        public void close() throws IOException {
          try {
            super.close();
          } finally {
            response.close();
          }
        }
      };
    } catch (IOException | RuntimeException e) {
      response.close();
      throw e;
    }
  }

  /**
   * Reads a frame's 8-byte header (stream type, 0, 0, 0, big-endian size) into {@code header}:
   * the payload's size, or -1 at the end of the stream.
   */
  static long header(InputStream in, byte[] header) throws IOException {
    int got = in.readNBytes(header, 0, 8);
    if (got == 0) {
      return -1;
    }
    if (got < 8) {
      throw new EOFException("the engine's log stream ended inside a frame header");
    }
    return ((header[4] & 0xFFL) << 24) | ((header[5] & 0xFF) << 16) | ((header[6] & 0xFF) << 8) | (header[7] & 0xFF);
  }

  /** The engine's multiplexed stream, whole: every frame, then what is left of a last line. */
  static void demultiplex(InputStream in, LogAssembler stdout, LogAssembler stderr) throws IOException {
    frames(in, stdout, stderr, (firstPart, size) -> { });
    stdout.flush();
    stderr.flush();
  }

  /** Told of each frame as it starts: its first part (up to {@link #MAX_PART} bytes) and its whole size. */
  interface FrameStart {
    void frame(byte[] firstPart, long size);
  }

  /**
   * The frames of the engine's multiplexed stream to its end, each handed to its stream's
   * assembler; a line not ended by the last frame stays in its assembler.
   */
  static void frames(InputStream in, LogAssembler stdout, LogAssembler stderr, FrameStart starts) throws IOException {
    byte[] header = new byte[8];
    long size;
    while ((size = header(in, header)) >= 0) {
      LogAssembler target = header[0] == 2 ? stderr : stdout;
      boolean first = true;
      while (size > 0 || first) {
        int part = (int) Math.min(size, MAX_PART);
        byte[] payload = in.readNBytes(part);
        if (payload.length < part) {
          throw new EOFException("the engine's log stream ended inside a frame");
        }
        if (first) {
          starts.frame(payload, size);
        }
        size -= part;
        target.accept(payload, first);
        first = false;
      }
    }
  }
}
