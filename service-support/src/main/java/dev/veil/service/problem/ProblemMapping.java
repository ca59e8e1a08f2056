package dev.veil.service.problem;

import dev.veil.model.json.MalformedJsonException;
import dev.veil.model.json.VeilJson;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.codec.DecodingException;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.util.InvalidMimeTypeException;
import org.springframework.web.ErrorResponse;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.MissingRequestValueException;
import org.springframework.web.server.NotAcceptableStatusException;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.UnsupportedMediaTypeStatusException;
import tools.jackson.core.JacksonException;

/**
 * Turns any failure into an RFC 9457 problem: the one place that decides status, type and
 * wording, used by the controller advice and by the filter-level exception handler alike. Never
 * a stack trace, never a request value echoed back, never the framework's own wording (which
 * names its internals: "No static resource ...", class names). An unexpected failure is a 500
 * carrying a random {@code correlationId}, logged with the failure so an operator can find it.
 *
 * <p>Needs nothing beyond Spring WebFlux: failures of optional libraries are recognised by the
 * {@link ProblemClassifier}s a service's classpath provides, asked first.
 */
public final class ProblemMapping {

  private static final Logger log = LoggerFactory.getLogger(ProblemMapping.class);
  private static final String DENIED = "missing, unknown, expired or revoked credentials";

  private final List<ProblemClassifier> classifiers;

  public ProblemMapping(List<ProblemClassifier> classifiers) {
    this.classifiers = List.copyOf(classifiers);
  }

  public ResponseEntity<ProblemDetail> toResponse(Throwable error) {
    ProblemDetail problem = toProblem(error);
    ResponseEntity.BodyBuilder response = ResponseEntity.status(problem.getStatus())
        .contentType(MediaType.APPLICATION_PROBLEM_JSON);
    if (error instanceof ErrorResponse framework) {
      // Allow (405) and Accept (415) tell the client what would have worked.
      response.headers(framework.getHeaders());
    }
    if (error instanceof MethodNotAllowedException wrongMethod) {
      response.allow(allowed(wrongMethod).toArray(HttpMethod[]::new));
    }
    if (error instanceof ProblemException refused && refused.retryAfter() != null) {
      response.header(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, refused.retryAfter().toSeconds())));
    } else if (problem.getStatus() == HttpStatus.SERVICE_UNAVAILABLE.value()) {
      response.header(HttpHeaders.RETRY_AFTER, "5");
    }
    return response.body(problem);
  }

  public ProblemDetail toProblem(Throwable error) {
    MalformedJsonException malformed = malformedJson(error);
    if (malformed != null) {
      ProblemDetail p = problem(HttpStatus.BAD_REQUEST, ProblemTypes.MALFORMED_REQUEST, "Malformed request body", malformed.describe());
      p.setProperty("pointer", malformed.pointer());
      return p;
    }
    if (error instanceof ProblemException refused) {
      if (refused.status() == HttpStatus.UNAUTHORIZED && refused.getMessage() == null) {
        return ProblemException.denied(DENIED).toProblem();
      }
      return refused.toProblem();
    }
    if (isAuthenticationException(error)) {
      return problem(HttpStatus.UNAUTHORIZED, ProblemTypes.UNAUTHORIZED, "Unauthorized",
          error.getMessage() == null ? DENIED : error.getMessage());
    }
    if (hasCause(error, DataBufferLimitException.class)) {
      return tooLarge();
    }
    if (hasCause(error, InvalidMimeTypeException.class) || hasCause(error, InvalidMediaTypeException.class)) {
      // A media type in a header that cannot be read (Accept: ","), where the handler parses it itself (the actuator's).
      return problem(HttpStatus.BAD_REQUEST, ProblemTypes.MALFORMED_REQUEST, "Malformed request",
          "the request could not be read: a media type in a header is malformed");
    }
    if (isFirewallRejection(error)) {
      return problem(HttpStatus.BAD_REQUEST, ProblemTypes.MALFORMED_REQUEST, "Malformed request",
          "the request could not be read: a header, path or query holds characters that are not allowed");
    }
    if (isMissingHealthComponent(error)) {
      return problem(HttpStatus.NOT_FOUND, ProblemTypes.NOT_FOUND, "Not found", "no such health component");
    }
    for (ProblemClassifier classifier : classifiers) {
      Optional<ProblemDetail> classified = classifier.classify(error);
      if (classified.isPresent()) {
        return classified.get();
      }
    }
    if (error instanceof ErrorResponse response && response.getStatusCode().value() == HttpStatus.GATEWAY_TIMEOUT.value()) {
      return problem(HttpStatus.GATEWAY_TIMEOUT, ProblemTypes.UPSTREAM_TIMEOUT, "Upstream timeout",
          "the upstream did not answer in time");
    }
    if (isUpstreamDown(error)) {
      // Nothing was sent: the service behind is down or restarting. Worth asking again shortly.
      return problem(HttpStatus.SERVICE_UNAVAILABLE, ProblemTypes.UPSTREAM_UNAVAILABLE, "Upstream unavailable",
          "the service behind this one cannot be reached now; try again shortly");
    }
    if (hasCauseNamed(error, "reactor.netty.http.client.PrematureCloseException")) {
      return problem(HttpStatus.BAD_GATEWAY, ProblemTypes.UPSTREAM_UNREACHABLE, "Upstream unreachable",
          "the upstream closed the connection before answering");
    }
    if (error instanceof ErrorResponse response && response.getStatusCode().is4xxClientError()) {
      HttpStatus status = HttpStatus.resolve(response.getStatusCode().value());
      return refusal(error, status == null ? HttpStatus.BAD_REQUEST : status);
    }
    return internal(error);
  }

  /**
   * The client closed the connection: nothing can be answered, and it is no failure of ours. An
   * abort under the HTTP client's premature close is the upstream's connection closing while the
   * request was sent to it: the client is still there and is owed an answer (502).
   */
  public static boolean isClientGone(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      String name = t.getClass().getName();
      if (name.equals("reactor.netty.http.client.PrematureCloseException")) {
        return false;
      }
      if (name.equals("reactor.netty.channel.AbortedException")) {
        return true;
      }
    }
    return false;
  }

  /** A problem of the given status, type, title and detail; for {@link ProblemClassifier}s too. */
  public static ProblemDetail problem(HttpStatus status, URI type, String title, String detail) {
    ProblemDetail p = ProblemDetail.forStatusAndDetail(status, detail);
    p.setType(type);
    p.setTitle(title);
    return p;
  }

  // A refusal WebFlux itself decided (no handler, wrong method, media types, unreadable input):
  // its status stands, the type and wording are ours.
  private static ProblemDetail refusal(Throwable error, HttpStatus status) {
    return switch (status.value()) {
      case 404 -> problem(status, ProblemTypes.NOT_FOUND, "Not found", "nothing is served at this path");
      case 405 -> problem(status, ProblemTypes.METHOD_NOT_ALLOWED, "Method not allowed",
          error instanceof MethodNotAllowedException wrong
              ? "this path answers " + allowed(wrong).stream().map(HttpMethod::name).collect(Collectors.joining(", ")) + "; see Allow"
              : "this path does not answer this method");
      case 406 -> problem(status, ProblemTypes.NOT_ACCEPTABLE, "Not acceptable",
          error instanceof NotAcceptableStatusException unacceptable && !unacceptable.getSupportedMediaTypes().isEmpty()
              ? "this path answers only " + mediaTypes(unacceptable.getSupportedMediaTypes()) + "; ask for it in Accept"
              : "this path cannot answer in any media type the Accept header allows");
      case 415 -> problem(status, ProblemTypes.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type",
          error instanceof UnsupportedMediaTypeStatusException unsupported && !unsupported.getSupportedMediaTypes().isEmpty()
              ? "the body must be sent as " + mediaTypes(unsupported.getSupportedMediaTypes()) + "; see Accept"
              : "the body's Content-Type is not accepted here");
      case 413 -> tooLarge();
      case 400 -> problem(status, ProblemTypes.MALFORMED_REQUEST, "Malformed request",
          error instanceof MissingRequestValueException missing
              ? "the required " + missing.getLabel() + " '" + missing.getName() + "' is missing"
              : "the request could not be read: a header, path or query value is missing or malformed");
      case 401 -> problem(status, ProblemTypes.UNAUTHORIZED, "Unauthorized", DENIED);
      case 403 -> problem(status, ProblemTypes.FORBIDDEN, "Forbidden", "this credential may not call this endpoint");
      default -> problem(status, ProblemTypes.of(status), status.getReasonPhrase(),
          "the request was refused: " + status.getReasonPhrase().toLowerCase(Locale.ROOT));
    };
  }

  // What WebFlux itself answers on a mapped path besides the mapped methods: HEAD wherever GET is, and OPTIONS.
  private static Set<HttpMethod> allowed(MethodNotAllowedException wrong) {
    Set<HttpMethod> allowed = new TreeSet<>(Comparator.comparing(HttpMethod::name));
    allowed.addAll(wrong.getSupportedMethods());
    if (allowed.contains(HttpMethod.GET)) {
      allowed.add(HttpMethod.HEAD);
    }
    allowed.add(HttpMethod.OPTIONS);
    return allowed;
  }

  private static ProblemDetail tooLarge() {
    return problem(HttpStatus.CONTENT_TOO_LARGE, ProblemTypes.TOO_LARGE, "Body too large", "the request body exceeds the allowed size");
  }

  // The only answer that says nothing about what failed; the correlation ID ties it to the log line that does.
  private static ProblemDetail internal(Throwable error) {
    String correlationId = UUID.randomUUID().toString();
    log.error("unexpected failure, correlationId={}", correlationId, error);
    ProblemDetail p = problem(HttpStatus.INTERNAL_SERVER_ERROR, ProblemTypes.INTERNAL, "Internal error",
        "an unexpected error occurred; quote the correlationId when reporting it");
    p.setProperty("correlationId", correlationId);
    return p;
  }

  private static String mediaTypes(List<MediaType> types) {
    return types.stream().map(MediaType::toString).distinct().collect(Collectors.joining(", "));
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

  // Spring Security's firewall refuses odd characters in parameter names and values, headers and
  // paths; it throws only when the handler first reads them (an actuator endpoint reading the
  // query), so the refusal arrives here as a failure rather than an answer.
  private static boolean isFirewallRejection(Throwable error) {
    return hasCauseNamed(error, "org.springframework.security.web.server.firewall.ServerExchangeRejectedException");
  }

  // Boot 4.0's health endpoint answers a path of two or more segments whose first names no component
  // (/actuator/health/a/b) with an assertion failure in HealthEndpointSupport.getContributor instead
  // of 404 (found by fuzzing, #23). Recognised by where it is thrown, so nothing else is hidden.
  // Reactor may trim the error's own trace to its first frame and keep the rest in a suppressed
  // exception ("Original Stack Trace"), so that is looked at too (GET /actuator/health//x, #20).
  private static boolean isMissingHealthComponent(Throwable error) {
    if (!(error instanceof IllegalStateException)) {
      return false;
    }
    if (thrownBy(error.getStackTrace())) {
      return true;
    }
    for (Throwable suppressed : error.getSuppressed()) {
      if (thrownBy(suppressed.getStackTrace()) || String.valueOf(suppressed).contains(HEALTH_SUPPORT + ".getContributor(")) {
        return true;
      }
    }
    return false;
  }

  private static final String HEALTH_SUPPORT = "org.springframework.boot.health.actuate.endpoint.HealthEndpointSupport";

  private static boolean thrownBy(StackTraceElement[] frames) {
    for (StackTraceElement frame : frames) {
      if (frame.getClassName().equals(HEALTH_SUPPORT) && frame.getMethodName().equals("getContributor")) {
        return true;
      }
    }
    return false;
  }

  // A proxied call that could not connect (refused, timed out connecting, no route, no such host).
  private static boolean isUpstreamDown(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof ConnectException || t instanceof NoRouteToHostException || t instanceof UnknownHostException) {
        return true;
      }
    }
    return false;
  }

  private static boolean hasCauseNamed(Throwable error, String className) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t.getClass().getName().equals(className)) {
        return true;
      }
    }
    return false;
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
