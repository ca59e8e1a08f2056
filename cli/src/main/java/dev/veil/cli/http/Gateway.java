package dev.veil.cli.http;

import dev.veil.cli.CliException;
import dev.veil.cli.ExitCodes;
import dev.veil.cli.config.CliSettings;
import java.io.IOException;
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

  public record Reply(int status, byte[] body) {
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    public JsonNode json() {
      return VeilJson.lenient().readTree(body);
    }
  }

  /** A public API call ({@code /v1/...}); fails with the mapped exit code unless 2xx. */
  public Reply api(String method, String path, String sessionId, byte[] body) {
    return send(method, path, null, sessionId, body);
  }

  /** A call to a node's agent, by its name under the node domain. */
  public Reply node(String nodeId, String method, String path, String sessionId, byte[] body) {
    return send(method, path, settings.hostOf(nodeId), sessionId, body);
  }

  private Reply send(String method, String path, String host, String sessionId, byte[] body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(settings.gateway() + path))
        .timeout(Duration.ofSeconds(90))
        .header("Accept", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (host != null) {
      request.header("Host", host);
    }
    if (sessionId != null) {
      request.header("x-session-id", sessionId);
    }
    HttpResponse<byte[]> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (ConnectException e) {
      throw new CliException(ExitCodes.UNREACHABLE, "cannot reach the gateway at " + settings.gateway()
          + " (is the suite up? ./veil up)");
    } catch (IOException e) {
      throw new CliException(ExitCodes.UNREACHABLE, "talking to the gateway failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCodes.FAILED, "interrupted");
    }
    Reply reply = new Reply(response.statusCode(), response.body());
    if (reply.status() / 100 != 2) {
      throw failure(method, path, reply);
    }
    return reply;
  }

  static CliException failure(String method, String path, Reply reply) {
    String why = detail(reply);
    int code = switch (reply.status()) {
      case 400, 413, 422 -> ExitCodes.INVALID;
      case 401, 403 -> ExitCodes.DENIED;
      case 404 -> ExitCodes.NOT_FOUND;
      case 409, 410 -> ExitCodes.CONFLICT;
      case 502, 503, 504 -> ExitCodes.UNREACHABLE;
      default -> ExitCodes.FAILED;
    };
    return new CliException(code, method + " " + path.replaceAll("\\?.*", "") + ": " + reply.status() + " " + why);
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
