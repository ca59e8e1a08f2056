package dev.veil.service.problem;

import java.net.URI;
import java.util.Locale;
import org.springframework.http.HttpStatus;

/** The stable {@code type} URIs of Veil's problems; each service's README lists those it answers. */
public final class ProblemTypes {

  private static final String BASE = "https://veil.dev/problems/";

  public static final URI MALFORMED_REQUEST = URI.create(BASE + "malformed-request");
  public static final URI INVALID_REQUEST = URI.create(BASE + "invalid-request");
  public static final URI UNAUTHORIZED = URI.create(BASE + "unauthorized");
  public static final URI FORBIDDEN = URI.create(BASE + "forbidden");
  public static final URI NOT_FOUND = URI.create(BASE + "not-found");
  public static final URI METHOD_NOT_ALLOWED = URI.create(BASE + "method-not-allowed");
  public static final URI NOT_ACCEPTABLE = URI.create(BASE + "not-acceptable");
  public static final URI UNSUPPORTED_MEDIA_TYPE = URI.create(BASE + "unsupported-media-type");
  public static final URI CONFLICT = URI.create(BASE + "conflict");
  public static final URI GONE = URI.create(BASE + "gone");
  public static final URI TOO_LARGE = URI.create(BASE + "body-too-large");
  public static final URI RATE_LIMITED = URI.create(BASE + "rate-limited");
  public static final URI UNAVAILABLE = URI.create(BASE + "store-unavailable");
  public static final URI UPSTREAM_UNREACHABLE = URI.create(BASE + "upstream-unreachable");
  public static final URI UPSTREAM_UNAVAILABLE = URI.create(BASE + "upstream-unavailable");
  public static final URI UPSTREAM_TIMEOUT = URI.create(BASE + "upstream-timeout");
  public static final URI NODE_OFFLINE = URI.create(BASE + "node-offline");
  public static final URI INTERNAL = URI.create(BASE + "internal");

  private ProblemTypes() {}

  /**
   * The type of a refusal no constant above names: its status's reason phrase as a slug
   * ({@code 408} is {@code .../request-timeout}), so the type still says what happened.
   */
  public static URI of(HttpStatus status) {
    return URI.create(BASE + status.getReasonPhrase().toLowerCase(Locale.ROOT).replace(' ', '-'));
  }
}
