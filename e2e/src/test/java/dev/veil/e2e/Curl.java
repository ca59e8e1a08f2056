package dev.veil.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * curl itself, run with the seed's arguments: the plain HTTP a user copies. curl resolves
 * {@code *.localhost} to loopback by itself, so {@code http://<nodeId>.node.localhost:<port>}
 * works as written, with no DNS and no Host header set by hand.
 */
final class Curl {

  /** The HTTP status, the Content-Type, the body and the headers (names lower-cased) curl received. */
  record Reply(int status, String contentType, String body, Map<String, String> headers) {}

  private Curl() {}

  // The last response's headers (curl writes every response's, e.g. after a 100 Continue).
  private static Map<String, String> headers(List<String> lines) {
    Map<String, String> headers = new HashMap<>();
    for (String line : lines) {
      if (line.startsWith("HTTP/")) {
        headers.clear();
      }
      int colon = line.indexOf(':');
      if (colon > 0) {
        headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
      }
    }
    return headers;
  }

  /** The seed's send-definition command: {@code spec/job-definition-request.json} to the node at {@code nodeUrl}. */
  static Reply sendDefinition(String nodeUrl, String jobId, String sessionId) {
    return run("-X", "POST", nodeUrl + "/job-definition/" + jobId, "-H", "x-session-id: " + sessionId,
        "-H", "Content-Type: application/json", "-d", "@spec/job-definition-request.json");
  }

  /** The seed's GET of an owner's endpoint ({@code /job-result/..}, {@code /service/url/..}) on the node at {@code nodeUrl}. */
  static Reply ownerGet(String nodeUrl, String path, String sessionId) {
    return run(nodeUrl + path, "-H", "x-session-id: " + sessionId, "-H", "Accept: application/json");
  }

  static Reply run(String... args) {
    try {
      Path body = Files.createTempFile("veil-e2e-curl-", ".body");
      Path headers = Files.createTempFile("veil-e2e-curl-", ".headers");
      try {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "60", "-o", body.toString(),
            "-D", headers.toString(), "-w", "%{http_code} %{content_type}"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(LocalSuite.HOME.toFile()).redirectErrorStream(true).start();
        String written = new String(process.getInputStream().readAllBytes()).trim();
        if (!process.waitFor(90, TimeUnit.SECONDS) || process.exitValue() != 0) {
          throw new IllegalStateException("curl " + String.join(" ", args) + " failed: " + written);
        }
        String[] statusAndType = written.split(" ", 2);
        return new Reply(Integer.parseInt(statusAndType[0]), statusAndType.length > 1 ? statusAndType[1] : "",
            Files.readString(body), headers(Files.readAllLines(headers)));
      } finally {
        Files.deleteIfExists(body);
        Files.deleteIfExists(headers);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
