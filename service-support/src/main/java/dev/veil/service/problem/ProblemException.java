package dev.veil.service.problem;

import dev.veil.model.validation.Violation;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/**
 * A request refused for a reason the service decided: its status, problem type, title and detail,
 * and where it helps, when to come back ({@code Retry-After}) or what was wrong with each part of
 * the request ({@code violations}). {@link ProblemMapping} writes it as an RFC 9457 problem.
 * The detail is answered to the client: it never holds a secret or a value the client sent.
 */
public final class ProblemException extends RuntimeException {

  private final HttpStatus status;
  private final URI type;
  private final String title;
  private final Duration retryAfter;
  private final List<Violation> violations;

  private ProblemException(HttpStatus status, URI type, String title, String detail, Duration retryAfter,
      List<Violation> violations) {
    super(detail);
    this.status = status;
    this.type = type;
    this.title = title;
    this.retryAfter = retryAfter;
    this.violations = violations == null ? List.of() : List.copyOf(violations);
  }

  /** 400: every violation of the request, each with where it is. */
  public static ProblemException invalid(List<Violation> violations) {
    return new ProblemException(HttpStatus.BAD_REQUEST, ProblemTypes.INVALID_REQUEST, "Invalid request",
        violations.size() == 1 ? violations.get(0).toString() : violations.size() + " problems with the request; see violations",
        null, violations);
  }

  /** 401: missing, unknown, expired or revoked credentials. */
  public static ProblemException denied(String detail) {
    return new ProblemException(HttpStatus.UNAUTHORIZED, ProblemTypes.UNAUTHORIZED, "Unauthorized", detail, null, null);
  }

  /** 403: a valid credential that may not do this. */
  public static ProblemException forbidden(String detail) {
    return new ProblemException(HttpStatus.FORBIDDEN, ProblemTypes.FORBIDDEN, "Forbidden", detail, null, null);
  }

  /** 404: nothing there, or nothing this caller may know of. */
  public static ProblemException notFound(String detail) {
    return new ProblemException(HttpStatus.NOT_FOUND, ProblemTypes.NOT_FOUND, "Not found", detail, null, null);
  }

  /** 409: not in a state that allows this. */
  public static ProblemException conflict(String detail) {
    return conflict(detail, null);
  }

  /** 409, to be asked again after {@code retryAfter} (null: not worth asking again). */
  public static ProblemException conflict(String detail, Duration retryAfter) {
    return new ProblemException(HttpStatus.CONFLICT, ProblemTypes.CONFLICT, "Conflict", detail, retryAfter, null);
  }

  /** 422: the request is well formed but cannot be done as asked (an Idempotency-Key reused for another request). */
  public static ProblemException unprocessable(String detail) {
    return new ProblemException(HttpStatus.UNPROCESSABLE_CONTENT, ProblemTypes.of(HttpStatus.UNPROCESSABLE_CONTENT),
        "Unprocessable content", detail, null, null);
  }

  /** 410: it was there and is gone for good. */
  public static ProblemException gone(String detail) {
    return new ProblemException(HttpStatus.GONE, ProblemTypes.GONE, "Gone", detail, null, null);
  }

  /** 429: too many; come back after {@code retryAfter}. */
  public static ProblemException rateLimited(String detail, Duration retryAfter) {
    return new ProblemException(HttpStatus.TOO_MANY_REQUESTS, ProblemTypes.RATE_LIMITED, "Too many requests", detail,
        retryAfter, null);
  }

  /** 503: something this service needs cannot answer now; come back after {@code retryAfter}. */
  public static ProblemException unavailable(String detail, Duration retryAfter) {
    return new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, ProblemTypes.UNAVAILABLE, "Unavailable", detail, retryAfter,
        null);
  }

  /** 503: a service this one asks (session-service, the market) cannot be reached now; come back after {@code retryAfter}. */
  public static ProblemException upstreamUnavailable(String detail, Duration retryAfter) {
    return new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, ProblemTypes.UPSTREAM_UNAVAILABLE, "Upstream unavailable",
        detail, retryAfter, null);
  }

  /** 502: the service behind answered with something that is not an HTTP answer to pass on (a status out of range). */
  public static ProblemException badUpstreamAnswer(String detail) {
    return new ProblemException(HttpStatus.BAD_GATEWAY, ProblemTypes.UPSTREAM_UNREACHABLE, "Bad upstream answer", detail,
        null, null);
  }

  /** 503: the node is known but not connected now (its host restarting or cut off); come back after {@code retryAfter}. */
  public static ProblemException nodeOffline(String detail, Duration retryAfter) {
    return new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, ProblemTypes.NODE_OFFLINE, "Node offline", detail,
        retryAfter, null);
  }

  /** True for a problem exception of this status. */
  public static boolean hasStatus(Throwable error, HttpStatus status) {
    return error instanceof ProblemException problem && problem.status == status;
  }

  public HttpStatus status() {
    return status;
  }

  /** When to ask again; null when there is no point. */
  public Duration retryAfter() {
    return retryAfter;
  }

  public List<Violation> violations() {
    return violations;
  }

  ProblemDetail toProblem() {
    ProblemDetail problem = ProblemMapping.problem(status, type, title, getMessage());
    if (!violations.isEmpty()) {
      problem.setProperty("violations", violations.stream().map(v -> Map.of("path", v.path(), "message", v.message())).toList());
    }
    return problem;
  }
}
