package dev.veil.cli.http;

import dev.veil.cli.CliException;
import dev.veil.cli.ExitCodes;
import dev.veil.cli.config.CliSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;
import dev.veil.model.json.VeilJson;

/**
 * Every request of the CLI goes to the gateway: the public APIs on its own host, a node's agent
 * by the Host {@code <nodeId>.<node domain>}, exactly as curl sends it, so nothing needs DNS for
 * {@code *.node.<domain>}.
 */
public final class Gateway {

  static {
    // The JDK refuses to set Host unless told to; the Host is how the gateway tells nodes apart.
    System.setProperty("sun.net.http.allowRestrictedHeaders", "true");
    // Never send a POST twice (a job posted twice) because a kept-alive connection had closed.
    System.setProperty("sun.net.http.retryPost", "false");
    // (Both are read once, when the JDK's HTTP classes load: this class is the CLI's only user of them.)
  }

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  /** Longest silence within an answer (its headers, or between two reads of its body). */
  private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(90);
  /**
   * Longest silence on a log stream: its agent writes a keep-alive comment every 15 s while idle,
   * so a stream quiet this long is dead, and the read fails (the reader then resumes).
   */
  private static final Duration STREAM_SILENCE = Duration.ofSeconds(45);
  private static final String USER_AGENT = "veil-cli/0.1.0";

  private final CliSettings settings;

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
    return send(method, path, null, sessionId, body, "application/json", Map.of());
  }

  /** How many times {@link #create} sends its post at most. */
  static final int CREATE_ATTEMPTS = 4;
  /** After this long (an answer that timed out takes most of it), {@link #create} sends no more attempts. */
  static final Duration CREATE_GIVE_UP = Duration.ofMinutes(2);
  /** The longest {@link #create} waits between two attempts, whatever {@code Retry-After} says. */
  static final Duration CREATE_MAX_WAIT = Duration.ofSeconds(10);

  /**
   * A {@code POST} that makes something (a job), made once: sent with an {@code Idempotency-Key},
   * and sent again with the same key while the service cannot answer (502, 503, 504: it may have
   * made it all the same, e.g. when its store answered too late) or the gateway cannot be reached
   * (the answer may be what was lost), up to {@value #CREATE_ATTEMPTS}
   * times, waiting as it asks (at most {@link #CREATE_MAX_WAIT}). {@code progress} hears of each wait.
   */
  public Reply create(String path, String sessionId, byte[] body, Consumer<String> progress) {
    Map<String, String> key = Map.of("Idempotency-Key", UUID.randomUUID().toString());
    long giveUpAt = System.nanoTime() + CREATE_GIVE_UP.toNanos();
    for (int attempt = 1; ; attempt++) {
      try {
        return send("POST", path, null, sessionId, body, "application/json", key);
      } catch (CliException busy) {
        // Unreachable: the answer may be what was lost (a reset, a timeout after sending).
        boolean again = busy instanceof Unavailable || busy.exitCode() == ExitCodes.UNREACHABLE;
        if (!again || attempt == CREATE_ATTEMPTS || System.nanoTime() > giveUpAt) {
          throw busy;
        }
        Duration wait = Duration.ofSeconds(busy instanceof Unavailable unavailable ? unavailable.retryAfterSeconds() : 1);
        wait = wait.compareTo(CREATE_MAX_WAIT) > 0 ? CREATE_MAX_WAIT : wait;
        progress.accept(busy.getMessage() + "; sending it again in " + wait.toSeconds() + " s (the same post: made once)");
        try {
          Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw busy;
        }
      }
    }
  }

  /** A call to a node's agent, by its name under the node domain. */
  public Reply node(String nodeId, String method, String path, String sessionId, byte[] body) {
    return send(method, path, settings.hostOf(nodeId), sessionId, body, "application/json", Map.of());
  }

  /** A call to a node's agent with a body of {@code contentType}. */
  public Reply node(String nodeId, String method, String path, String sessionId, byte[] body, String contentType) {
    return send(method, path, settings.hostOf(nodeId), sessionId, body, contentType, Map.of());
  }

  /**
   * A stream from a node's agent ({@code GET}, server-sent events), resumed after line
   * {@code lastEventId} when it is not null; fails with the mapped exit code unless 2xx. The caller
   * closes it.
   */
  public InputStream nodeStream(String nodeId, String path, String sessionId, Long lastEventId) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Accept", "text/event-stream");
    headers.put("Host", settings.hostOf(nodeId));
    headers.put("x-session-id", sessionId);
    if (lastEventId != null) {
      headers.put("Last-Event-ID", Long.toString(lastEventId));
    }
    Answer answer = exchange("GET", path, headers, null, STREAM_SILENCE);
    if (answer.status() / 100 != 2) {
      byte[] body;
      try (InputStream in = answer.body()) {
        body = in.readNBytes(64 * 1024);
      } catch (IOException e) {
        body = new byte[0];
      }
      throw failure("GET", path, new Reply(answer.status(), body, answer.retryAfter()));
    }
    return answer.body();
  }

  /** A status, the body to read (and close), and the {@code Retry-After} in seconds if any. */
  private record Answer(int status, InputStream body, Long retryAfter) {}

  /*
   * HttpURLConnection rather than java.net.http.HttpClient: a CLI makes a request or two and
   * exits, and HttpClient's selector thread, waiting in native code, holds every exit of the JVM
   * up for 300 ms (the VM waits that long for threads in native before it gives up on them);
   * HttpURLConnection keeps no thread. The JVM's default proxy selection (as HttpClient's), no
   * redirects followed, a body always sent as JSON.
   */
  private Answer exchange(String method, String path, Map<String, String> headers, byte[] body, Duration timeout) {
    try {
      HttpURLConnection connection = (HttpURLConnection) URI.create(settings.gateway() + path).toURL()
          .openConnection();
      connection.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
      connection.setReadTimeout((int) timeout.toMillis());
      connection.setInstanceFollowRedirects(false);
      connection.setUseCaches(false);
      connection.setRequestMethod(method);
      connection.setRequestProperty("User-Agent", USER_AGENT);
      headers.forEach(connection::setRequestProperty);
      boolean sendsBody = body != null || method.equals("POST") || method.equals("PUT");
      if (sendsBody) {
        byte[] bytes = body == null ? new byte[0] : body;
        if (!headers.containsKey("Content-Type")) {
          // Else HttpURLConnection says application/x-www-form-urlencoded.
          connection.setRequestProperty("Content-Type", "application/json");
        }
        // Buffered, not streamed: a streamed request answered 401 throws instead of answering.
        connection.setDoOutput(true);
        try (OutputStream out = connection.getOutputStream()) {
          out.write(bytes);
        }
      }
      int status = connection.getResponseCode();
      InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
      String retryAfter = connection.getHeaderField("Retry-After");
      return new Answer(status, in == null ? InputStream.nullInputStream() : in,
          retryAfter == null ? null : seconds(retryAfter));
    } catch (ConnectException e) {
      throw new CliException(ExitCodes.UNREACHABLE, "cannot reach the gateway at " + settings.gateway()
          + " (is the suite up? ./veil up)");
    } catch (IOException e) {
      throw new CliException(ExitCodes.UNREACHABLE, "talking to the gateway failed: " + e.getMessage());
    }
  }

  private Reply send(String method, String path, String host, String sessionId, byte[] body, String contentType,
      Map<String, String> extra) {
    Map<String, String> headers = new LinkedHashMap<>(extra);
    headers.put("Accept", "application/json");
    if (body != null) {
      headers.put("Content-Type", contentType);
    }
    if (host != null) {
      headers.put("Host", host);
    }
    if (sessionId != null) {
      headers.put("x-session-id", sessionId);
    }
    Answer answer = exchange(method, path, headers, body, ANSWER_TIMEOUT);
    byte[] bytes;
    try (InputStream in = answer.body()) {
      bytes = in.readAllBytes();
    } catch (IOException e) {
      throw new CliException(ExitCodes.UNREACHABLE, "talking to the gateway failed: " + e.getMessage());
    }
    Reply reply = new Reply(answer.status(), bytes, answer.retryAfter());
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
   * A service behind the gateway cannot answer now. {@link #safeToRepeat()} only for a 503 (the
   * service says when to ask again); after a 502 or 504 a request may have been acted on, and a
   * request that makes something is repeated only with its Idempotency-Key ({@link #create}).
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
