package dev.veil.testsupport.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One HTTP request as sent on the wire: method, request target exactly as written (a path that
 * need not be a valid URI), headers in order (repeats allowed), and a body or none; {@code route}
 * says what it was made for (for the run's statistics), and is not sent.
 */
public record FuzzRequest(String method, String target, List<Map.Entry<String, String>> headers, byte[] body, String route) {

  /** Longer parts are shortened in {@link #toString()}, with their real length. */
  private static final int SHOWN = 300;

  public FuzzRequest {
    headers = List.copyOf(headers);
  }

  public static FuzzRequest of(String method, String target) {
    return new FuzzRequest(method, target, List.of(), null, method + " " + target);
  }

  public FuzzRequest withHeader(String name, String value) {
    List<Map.Entry<String, String>> more = new ArrayList<>(headers);
    more.add(Map.entry(name, value));
    return new FuzzRequest(method, target, more, body, route);
  }

  public FuzzRequest withBody(byte[] newBody) {
    return new FuzzRequest(method, target, headers, newBody, route);
  }

  public FuzzRequest withRoute(String newRoute) {
    return new FuzzRequest(method, target, headers, body, newRoute);
  }

  public FuzzRequest withTarget(String newTarget) {
    return new FuzzRequest(method, newTarget, headers, body, route);
  }

  /** The first value of header {@code name} (any case), or null. */
  public String header(String name) {
    return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).findFirst().orElse(null);
  }

  /**
   * Smaller requests like this one: each header left out, no body, half the body, no query, each
   * long path segment cut short. A fuzz run tries them to report the simplest request that fails.
   */
  public Stream<FuzzRequest> simpler() {
    List<FuzzRequest> out = new ArrayList<>();
    for (int i = 0; i < headers.size(); i++) {
      List<Map.Entry<String, String>> fewer = new ArrayList<>(headers);
      fewer.remove(i);
      out.add(new FuzzRequest(method, target, fewer, body, route));
    }
    if (body != null) {
      out.add(withBody(null));
      if (body.length > 1) {
        out.add(withBody(java.util.Arrays.copyOf(body, body.length / 2)));
      }
    }
    int query = target.indexOf('?');
    if (query >= 0) {
      out.add(withTarget(target.substring(0, query)));
    }
    String[] segments = target.split("/", -1);
    for (int i = 0; i < segments.length; i++) {
      if (segments[i].length() > 16) {
        String[] shorter = segments.clone();
        shorter[i] = segments[i].substring(0, segments[i].length() / 2);
        out.add(withTarget(String.join("/", shorter)));
      }
    }
    return out.stream();
  }

  @Override
  public String toString() {
    StringBuilder out = new StringBuilder().append(method).append(' ').append(shown(target));
    headers.forEach(h -> out.append("\n  ").append(h.getKey()).append(": ").append(shown(h.getValue())));
    if (body != null) {
      out.append("\n  body (").append(body.length).append(" bytes): ").append(shown(new String(body, StandardCharsets.UTF_8)));
    }
    return out.toString();
  }

  /** {@code text} with control and non-ASCII characters escaped as {@code \\uXXXX}, shortened past {@value #SHOWN}. */
  static String shown(String text) {
    StringBuilder out = new StringBuilder();
    text.codePoints().limit(SHOWN).forEach(c -> {
      if (c < 0x20 || c > 0x7e) {
        out.append(c > 0xffff ? String.format("\\U%08x", c) : String.format("\\u%04x", c));
      } else {
        out.appendCodePoint(c);
      }
    });
    int length = text.codePointCount(0, text.length());
    return length > SHOWN ? out + "... (" + length + " characters)" : out.toString();
  }
}
