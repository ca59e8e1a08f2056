package dev.veil.agent.engine;

import com.github.dockerjava.transport.DockerHttpClient;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

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

  Mono<Void> read(String containerId, int maxLineBytes, Consumer<LogLine> each) {
    return Mono.<Void>fromCallable(() -> {
      DockerHttpClient.Request request = DockerHttpClient.Request.builder()
          .method(DockerHttpClient.Request.Method.GET)
          .path("/containers/" + URLEncoder.encode(containerId, StandardCharsets.UTF_8)
              + "/logs?stdout=1&stderr=1&timestamps=1&follow=0")
          .build();
      try (DockerHttpClient.Response response = http.execute(request)) {
        if (response.getStatusCode() == 404) {
          throw new ContainerGoneException(containerId);
        }
        if (response.getStatusCode() != 200) {
          throw new IOException("the engine answered " + response.getStatusCode() + " to a log read");
        }
        demultiplex(response.getBody(), new LogAssembler("stdout", maxLineBytes, each),
            new LogAssembler("stderr", maxLineBytes, each));
      }
      return null;
      // Blocking socket reads, for as long as the log is: on the bounded-elastic scheduler, and
      // the consumer is called on that thread, so a slow consumer slows the read, never fills memory.
    }).subscribeOn(Schedulers.boundedElastic());
  }

  /** The engine's multiplexed stream: 8-byte headers (stream type, 0, 0, 0, big-endian size), then the payload. */
  static void demultiplex(InputStream in, LogAssembler stdout, LogAssembler stderr) throws IOException {
    byte[] header = new byte[8];
    while (true) {
      int got = in.readNBytes(header, 0, 8);
      if (got == 0) {
        break;
      }
      if (got < 8) {
        throw new EOFException("the engine's log stream ended inside a frame header");
      }
      LogAssembler target = header[0] == 2 ? stderr : stdout;
      long size = ((header[4] & 0xFFL) << 24) | ((header[5] & 0xFF) << 16) | ((header[6] & 0xFF) << 8) | (header[7] & 0xFF);
      boolean first = true;
      while (size > 0 || first) {
        int part = (int) Math.min(size, MAX_PART);
        byte[] payload = in.readNBytes(part);
        if (payload.length < part) {
          throw new EOFException("the engine's log stream ended inside a frame");
        }
        size -= part;
        target.accept(payload, first);
        first = false;
      }
    }
    stdout.flush();
    stderr.flush();
  }
}
