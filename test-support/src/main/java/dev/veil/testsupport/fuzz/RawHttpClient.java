package dev.veil.testsupport.fuzz;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1, one connection per request, writing a {@link FuzzRequest} exactly as given: the
 * request target is sent as written (UTF-8), so paths no URI class would accept reach the server.
 * Header values go out as ISO-8859-1. The body's length is always declared.
 *
 * <p>A fresh connection each time keeps every request independent of the one before, so a
 * failure replays alone. (Reusing a kept-alive connection, Reactor Netty sometimes leaves a
 * request that asks to close the connection unanswered when it follows an actuator answer; see
 * the fuzz section of the root README.)
 */
public final class RawHttpClient implements AutoCloseable {

  /** A body longer than this is read and dropped: what is kept is enough to check. */
  private static final int KEPT_BODY = 1 << 20;

  private final String host;
  private final int port;
  private final Duration timeout;
  private InputStream in;

  public RawHttpClient(String host, int port, Duration timeout) {
    this.host = host;
    this.port = port;
    this.timeout = timeout;
  }

  /** {@code http://localhost:<port>} as a base URL gives host and port. */
  public static RawHttpClient to(String baseUrl) {
    java.net.URI uri = java.net.URI.create(baseUrl);
    return new RawHttpClient(uri.getHost(), uri.getPort(), Duration.ofSeconds(30));
  }

  /** Sends {@code request} on a new connection and reads the answer (a streamed one only up to its headers). */
  public FuzzResponse send(FuzzRequest request) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
      socket.setSoTimeout((int) timeout.toMillis());
      socket.setTcpNoDelay(true);
      in = new BufferedInputStream(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      try {
        out.write(head(request));
        if (request.body() != null) {
          out.write(request.body());
        }
        out.flush();
      } catch (java.net.SocketException answeredEarly) {
        // The server may refuse before reading the whole body (413) and close: its answer is still to be read.
        return read(request.method());
      }
      return read(request.method());
    } catch (java.net.SocketTimeoutException silent) {
      throw new IOException("no answer within " + timeout.toSeconds() + " s", silent);
    } finally {
      in = null;
    }
  }

  private byte[] head(FuzzRequest request) {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    head.writeBytes((request.method() + " " + request.target() + " HTTP/1.1\r\n").getBytes(StandardCharsets.UTF_8));
    if (request.header("host") == null) {
      head.writeBytes(("Host: " + host + ":" + port + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    }
    for (Map.Entry<String, String> header : request.headers()) {
      head.writeBytes((header.getKey() + ": " + header.getValue() + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    }
    if (request.body() != null) {
      head.writeBytes(("Content-Length: " + request.body().length + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    }
    head.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
    return head.toByteArray();
  }

  private FuzzResponse read(String method) throws IOException {
    FuzzResponse response = readOne(method);
    while (response.status() == 100) {
      response = readOne(method);
    }
    return response;
  }

  private FuzzResponse readOne(String method) throws IOException {
    String statusLine = line();
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP status line: " + FuzzRequest.shown(statusLine));
    }
    int status = Integer.parseInt(parts[1]);
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (String header = line(); !header.isEmpty(); header = line()) {
      int colon = header.indexOf(':');
      headers.computeIfAbsent(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(header.substring(colon + 1).trim());
    }
    FuzzResponse head = new FuzzResponse(status, headers, new byte[0], false);
    if ("HEAD".equals(method) || status / 100 == 1 || status == 204 || status == 304) {
      return head;
    }
    String type = head.header("content-type");
    if (type != null && type.toLowerCase(Locale.ROOT).startsWith("text/event-stream")) {
      return new FuzzResponse(status, headers, new byte[0], true);
    }
    String encoding = head.header("transfer-encoding");
    String length = head.header("content-length");
    byte[] body;
    if (encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
      body = chunked();
    } else if (length != null) {
      body = exactly(Long.parseLong(length));
    } else {
      body = untilClosed();
      headers.put("connection", List.of("close"));
    }
    return new FuzzResponse(status, headers, body, false);
  }

  private byte[] chunked() throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      String size = line();
      int extension = size.indexOf(';');
      long chunk = Long.parseLong((extension < 0 ? size : size.substring(0, extension)).trim(), 16);
      if (chunk == 0) {
        while (!line().isEmpty()) {
          // trailers
        }
        return body.toByteArray();
      }
      keep(body, exactly(chunk));
      line();
    }
  }

  private byte[] exactly(long length) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    long left = length;
    while (left > 0) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (n < 0) {
        throw new EOFException("body cut short: " + left + " of " + length + " bytes missing");
      }
      if (body.size() < KEPT_BODY) {
        body.write(buffer, 0, n);
      }
      left -= n;
    }
    return body.toByteArray();
  }

  private byte[] untilClosed() throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
      if (body.size() < KEPT_BODY) {
        body.write(buffer, 0, n);
      }
    }
    return body.toByteArray();
  }

  private static void keep(ByteArrayOutputStream body, byte[] chunk) {
    if (body.size() < KEPT_BODY) {
      body.writeBytes(chunk);
    }
  }

  private String line() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new EOFException("connection closed" + (line.size() == 0 ? " without an answer" : " mid-line"));
      }
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }

  /** Nothing is held between requests. */
  @Override
  public void close() {
    // each request closed its own connection
  }
}
