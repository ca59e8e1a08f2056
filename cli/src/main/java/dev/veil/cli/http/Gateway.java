package dev.veil.cli.http;

import dev.veil.cli.CliException;
import dev.veil.cli.ExitCodes;
import dev.veil.cli.config.CliSettings;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import dev.veil.model.json.VeilJson;

/**
 * Every request of the CLI goes to the gateway: the public APIs on its own host, a node's agent
 * by the Host {@code <nodeId>.<node domain>}, exactly as curl sends it, so nothing needs DNS for
 * {@code *.node.<domain>}.
 */
public final class Gateway {

  static {
    // The JDK client refuses to set Host unless told to; the Host is how the gateway tells nodes apart.
    System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
  }

  private final CliSettings settings;
  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10))
      .build();

  public Gateway(CliSettings settings) {
    this.settings = settings;
  }

  /**
   * @param retryAfter the {@code Retry-After} the service sent, in seconds; null without one
   */
  public record Reply(int status, byte[] body, Long retryAfter) {

    public Reply(int status, byte[] body) {
      this(status, body, null);
    }

    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    public JsonNode json() {
      return VeilJson.lenient().readTree(body);
    }
  }

  /** A public API call ({@code /v1/...}); fails with the mapped exit code unless 2xx. */
  public Reply api(String method, String path, String sessionId, byte[] body) {
    return send(method, path, null, sessionId, body, "application/json");
  }

  /** A call to a node's agent, by its name under the node domain. */
  public Reply node(String nodeId, String method, String path, String sessionId, byte[] body) {
    return send(method, path, settings.hostOf(nodeId), sessionId, body, "application/json");
  }

  /** A call to a node's agent with a body of {@code contentType}. */
  public Reply node(String nodeId, String method, String path, String sessionId, byte[] body, String contentType) {
    return send(method, path, settings.hostOf(nodeId), sessionId, body, contentType);
  }

  /**
   * A stream from a node's agent ({@code GET}, server-sent events), resumed after line
   * {@code lastEventId} when it is not null; fails with the mapped exit code unless 2xx. The caller
   * closes it.
   */
  public InputStream nodeStream(String nodeId, String path, String sessionId, Long lastEventId) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(settings.gateway() + path))
        // The headers must come within this; the events then take as long as the job does.
        .timeout(Duration.ofSeconds(30))
        .header("Accept", "text/event-stream")
        .header("Host", settings.hostOf(nodeId))
        .header("x-session-id", sessionId)
        .GET();
    if (lastEventId != null) {
      request.header("Last-Event-ID", Long.toString(lastEventId));
    }
    HttpResponse<InputStream> response = exchange(request, HttpResponse.BodyHandlers.ofInputStream());
    if (response.statusCode() / 100 != 2) {
      byte[] body;
      try (InputStream in = response.body()) {
        body = in.readNBytes(64 * 1024);
      } catch (IOException e) {
        body = new byte[0];
      }
      throw failure("GET", path, new Reply(response.statusCode(), body,
          response.headers().firstValue("Retry-After").map(Gateway::seconds).orElse(null)));
    }
    return response.body();
  }

  private <T> HttpResponse<T> exchange(HttpRequest.Builder request, HttpResponse.BodyHandler<T> handler) {
    try {
      return http.send(request.build(), handler);
    } catch (ConnectException e) {
      throw new CliException(ExitCodes.UNREACHABLE, "cannot reach the gateway at " + settings.gateway()
          + " (is the suite up? ./veil up)");
    } catch (IOException e) {
      throw new CliException(ExitCodes.UNREACHABLE, "talking to the gateway failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCodes.FAILED, "interrupted");
    }
  }

  private Reply send(String method, String path, String host, String sessionId, byte[] body, String contentType) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(settings.gateway() + path))
        .timeout(Duration.ofSeconds(90))
        .header("Accept", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    if (body != null) {
      request.header("Content-Type", contentType);
    }
    if (host != null) {
      request.header("Host", host);
    }
    if (sessionId != null) {
      request.header("x-session-id", sessionId);
    }
    HttpResponse<byte[]> response = exchange(request, HttpResponse.BodyHandlers.ofByteArray());
    Reply reply = new Reply(response.statusCode(), response.body(),
        response.headers().firstValue("Retry-After").map(Gateway::seconds).orElse(null));
    if (reply.status() / 100 != 2) {
      throw failure(method, path, reply);
    }
    return reply;
  }

  static CliException failure(String method, String path, Reply reply) {
    String why = detail(reply);
    String what = method + " " + path.replaceAll("\\?.*", "") + ": " + reply.status() + " ";
    if (reply.status() == 502 || reply.status() == 503 || reply.status() == 504) {
      String when = reply.retryAfter() == null ? "retry shortly" : "retry in " + reply.retryAfter() + " s";
      return new Unavailable(what + "the service is unavailable, " + when + " (" + why + ")", reply.status(), reply.retryAfter());
    }
    if (reply.status() == 429) {
      return new TooManyRequests(what + why, reply.retryAfter());
    }
    int code = switch (reply.status()) {
      case 400, 413, 422 -> ExitCodes.INVALID;
      case 401, 403 -> ExitCodes.DENIED;
      case 404 -> ExitCodes.NOT_FOUND;
      case 409, 410 -> ExitCodes.CONFLICT;
      default -> ExitCodes.FAILED;
    };
    return new CliException(code, what + why);
  }

  /** 429: too many requests (or streams) now; ask again after {@link #retryAfterSeconds()}. */
  public static final class TooManyRequests extends CliException {

    private final Long retryAfter;

    TooManyRequests(String message, Long retryAfter) {
      super(ExitCodes.FAILED, message);
      this.retryAfter = retryAfter;
    }

    /** Seconds to wait before asking again: what the service said, else a few. */
    public long retryAfterSeconds() {
      return retryAfter == null ? 5 : retryAfter;
    }
  }

  /**
   * A service behind the gateway cannot answer now. {@link #safeToRepeat()} only for a 503: the
   * request was not acted on; after a 502 or 504 it may have been.
   */
  public static final class Unavailable extends CliException {

    private final int status;
    private final Long retryAfter;

    Unavailable(String message, int status, Long retryAfter) {
      super(ExitCodes.UNAVAILABLE, message);
      this.status = status;
      this.retryAfter = retryAfter;
    }

    public boolean safeToRepeat() {
      return status == 503;
    }

    /** Seconds to wait before asking again: what the service said, else a few. */
    public long retryAfterSeconds() {
      return retryAfter == null ? 5 : retryAfter;
    }
  }

  // Retry-After in seconds; an HTTP date or anything else counts as none.
  private static Long seconds(String value) {
    try {
      long seconds = Long.parseLong(value.trim());
      return seconds < 0 ? null : Math.min(seconds, 3600);
    } catch (NumberFormatException notSeconds) {
      return null;
    }
  }

  /** The problem's {@code detail} (else its {@code title}) from an RFC 9457 body, else the bare status. */
  private static String detail(Reply reply) {
    try {
      JsonNode problem = reply.json();
      for (String field : new String[] {"detail", "title"}) {
        if (problem.path(field).isString() && !problem.path(field).asString().isBlank()) {
          StringBuilder why = new StringBuilder(problem.path(field).asString());
          if (problem.path("violations").size() > 1) {
            problem.path("violations").forEach(v -> why.append("\n  ").append(v.path("path").asString())
                .append(": ").append(v.path("message").asString()));
          }
          return why.toString();
        }
      }
    } catch (tools.jackson.core.JacksonException e) {
      // not JSON (a proxy's HTML page, say): the status says enough
    }
    return "HTTP " + reply.status();
  }
}
