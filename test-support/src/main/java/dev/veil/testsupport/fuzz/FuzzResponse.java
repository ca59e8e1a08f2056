package dev.veil.testsupport.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** A response as read off the wire; header names lower-case. A streamed body (server-sent events) is not read. */
public record FuzzResponse(int status, Map<String, List<String>> headers, byte[] body, boolean streamed) {

  public String header(String name) {
    List<String> values = headers.get(name.toLowerCase(java.util.Locale.ROOT));
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return status + " " + headers + (body.length == 0 ? "" : "\n  body: " + FuzzRequest.shown(bodyText()));
  }
}
