package dev.veil.service.problem;

import dev.veil.model.json.MalformedJsonException;
import dev.veil.model.json.VeilJson;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.codec.DecodingException;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponse;
import org.springframework.web.server.ServerWebInputException;
import tools.jackson.core.JacksonException;

/**
 * Turns any failure into an RFC 9457 problem: the one place that decides status, type and
 * wording, used by the controller advice and by the filter-level exception handler alike. Never
 * a stack trace, never a request value echoed back.
 */
public final class ProblemMapping {

  private static final Logger log = LoggerFactory.getLogger(ProblemMapping.class);

  private ProblemMapping() {}

  public static ResponseEntity<ProblemDetail> toResponse(Throwable error) {
    ProblemDetail problem = toProblem(error);
    ResponseEntity.BodyBuilder response = ResponseEntity.status(problem.getStatus())
        .contentType(org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON);
    if (error instanceof RateLimitedException limited) {
      response.header(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, limited.retryAfter().toSeconds())));
    } else if (error instanceof ConflictException conflict && conflict.retryAfter() != null) {
      response.header(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, conflict.retryAfter().toSeconds())));
    } else if (error instanceof UnavailableException unavailable && unavailable.retryAfter() != null) {
      response.header(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, unavailable.retryAfter().toSeconds())));
    } else if (problem.getStatus() == HttpStatus.SERVICE_UNAVAILABLE.value()) {
      response.header(HttpHeaders.RETRY_AFTER, "5");
    }
    return response.body(problem);
  }

  public static ProblemDetail toProblem(Throwable error) {
    MalformedJsonException malformed = malformedJson(error);
    if (malformed != null) {
      ProblemDetail p = problem(HttpStatus.BAD_REQUEST, ProblemTypes.MALFORMED_REQUEST, "Malformed request body", malformed.describe());
      p.setProperty("pointer", malformed.pointer());
      return p;
    }
    if (error instanceof InvalidRequestException invalid) {
      ProblemDetail p = problem(HttpStatus.BAD_REQUEST, ProblemTypes.INVALID_REQUEST, "Invalid request",
          invalid.violations().size() == 1 ? invalid.violations().get(0).toString()
              : invalid.violations().size() + " problems with the request; see violations");
      p.setProperty("violations", invalid.violations().stream()
          .map(v -> Map.of("path", v.path(), "message", v.message())).toList());
      return p;
    }
    if (error instanceof DeniedException || isAuthenticationException(error)) {
      return problem(HttpStatus.UNAUTHORIZED, ProblemTypes.UNAUTHORIZED, "Unauthorized",
          error.getMessage() == null ? "missing, unknown, expired or revoked credentials" : error.getMessage());
    }
    if (error instanceof ForbiddenException) {
      return problem(HttpStatus.FORBIDDEN, ProblemTypes.FORBIDDEN, "Forbidden", error.getMessage());
    }
    if (error instanceof NotFoundException) {
      return problem(HttpStatus.NOT_FOUND, ProblemTypes.NOT_FOUND, "Not found", error.getMessage());
    }
    if (error instanceof ConflictException) {
      return problem(HttpStatus.CONFLICT, ProblemTypes.CONFLICT, "Conflict", error.getMessage());
    }
    if (error instanceof GoneException) {
      return problem(HttpStatus.GONE, ProblemTypes.GONE, "Gone", error.getMessage());
    }
    if (error instanceof UnavailableException) {
      return problem(HttpStatus.SERVICE_UNAVAILABLE, ProblemTypes.UNAVAILABLE, "Unavailable", error.getMessage());
    }
    if (error instanceof RateLimitedException) {
      return problem(HttpStatus.TOO_MANY_REQUESTS, ProblemTypes.RATE_LIMITED, "Too many requests", error.getMessage());
    }
    if (hasCause(error, DataBufferLimitException.class)) {
      return problem(HttpStatus.PAYLOAD_TOO_LARGE, ProblemTypes.TOO_LARGE, "Body too large", "the request body exceeds the allowed size");
    }
    if (hasCause(error, RedisConnectionFailureException.class) || hasCause(error, DataAccessException.class)) {
      log.warn("store unavailable: {}", error.getClass().getSimpleName());
      return problem(HttpStatus.SERVICE_UNAVAILABLE, ProblemTypes.UNAVAILABLE, "Unavailable",
          "the store cannot be reached right now; nothing was accepted. Retry shortly");
    }
    if (error instanceof ErrorResponse response && response.getStatusCode().value() == HttpStatus.GATEWAY_TIMEOUT.value()) {
      return problem(HttpStatus.GATEWAY_TIMEOUT, ProblemTypes.UPSTREAM_TIMEOUT, "Upstream timeout",
          "the upstream did not answer in time");
    }
    if (isUpstreamUnreachable(error)) {
      return problem(HttpStatus.BAD_GATEWAY, ProblemTypes.UPSTREAM_UNREACHABLE, "Upstream unreachable",
          "the upstream could not be reached or closed the connection");
    }
    if (error instanceof ServerWebInputException input) {
      return problem(HttpStatus.BAD_REQUEST, ProblemTypes.MALFORMED_REQUEST, "Malformed request",
          input.getReason() == null ? "the request could not be read" : input.getReason());
    }
    if (error instanceof ErrorResponse response && response.getStatusCode().is4xxClientError()) {
      ProblemDetail body = response.getBody();
      return problem(HttpStatus.valueOf(response.getStatusCode().value()), ProblemTypes.MALFORMED_REQUEST,
          body.getTitle() == null ? "Bad request" : body.getTitle(), body.getDetail());
    }
    log.error("unexpected failure", error);
    return problem(HttpStatus.INTERNAL_SERVER_ERROR, ProblemTypes.INTERNAL, "Internal error", "an unexpected error occurred");
  }

  /** The client closed the connection: nothing can be answered, and it is no failure of ours. */
  public static boolean isClientGone(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t.getClass().getName().equals("reactor.netty.channel.AbortedException")) {
        return true;
      }
    }
    return false;
  }

  // Spring Security is optional for users of this library: recognise its exceptions by name.
  private static boolean isAuthenticationException(Throwable error) {
    for (Class<?> c = error.getClass(); c != null; c = c.getSuperclass()) {
      if (c.getName().equals("org.springframework.security.core.AuthenticationException")) {
        return true;
      }
    }
    return false;
  }

  // A proxied call that could not connect, or whose connection the upstream closed before answering.
  private static boolean isUpstreamUnreachable(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof java.net.ConnectException || t instanceof java.net.NoRouteToHostException
          || t instanceof java.net.UnknownHostException
          || t.getClass().getName().equals("reactor.netty.http.client.PrematureCloseException")) {
        return true;
      }
    }
    return false;
  }

  private static ProblemDetail problem(HttpStatus status, java.net.URI type, String title, String detail) {
    ProblemDetail p = ProblemDetail.forStatusAndDetail(status, detail);
    p.setType(type);
    p.setTitle(title);
    return p;
  }

  private static MalformedJsonException malformedJson(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof MalformedJsonException m) {
        return m;
      }
      if (t instanceof JacksonException j) {
        return VeilJson.malformed(j);
      }
      if (t instanceof DecodingException && t.getCause() == null) {
        return new MalformedJsonException("not valid JSON", "", -1, -1);
      }
    }
    return null;
  }

  private static boolean hasCause(Throwable error, Class<? extends Throwable> type) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }
}
