package dev.veil.testsupport.fuzz;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What every answer of a Veil service must be, whatever was asked: never a 5xx, never a trace of
 * the code (a stack frame or a source line anywhere; an exception's name in a refusal), and a
 * refusal with a body is an RFC 9457 problem ({@code application/problem+json}) whose
 * {@code status} is the answer's. (A successful answer may name an exception class: the
 * Prometheus metrics tag requests with the exception that ended them, by design.)
 */
public final class ServiceAnswers {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final List<Pattern> FRAMES = List.of(
      Pattern.compile("at dev\\.veil"), Pattern.compile("\\.java:"), Pattern.compile("\\bat (java|org|reactor|io|tools|com)\\.[a-z]"));
  private static final Pattern EXCEPTION = Pattern.compile("Exception|Throwable|Error:");

  private ServiceAnswers() {}

  /** Throws an {@link AssertionError} naming the request when {@code response} is not a well-behaved answer; else its route and status. */
  public static String check(FuzzRequest request, FuzzResponse response) {
    if (response.status() >= 500) {
      throw broken("a " + response.status() + " answer", request, response);
    }
    String body = response.bodyText();
    for (Pattern frame : FRAMES) {
      if (frame.matcher(body).find()) {
        throw broken("a trace of the code (" + frame + ") in the answer", request, response);
      }
    }
    if (response.status() >= 400 && EXCEPTION.matcher(body).find()) {
      throw broken("an exception named in the refusal", request, response);
    }
    if (response.status() >= 400 && response.body().length > 0) {
      String type = response.header("content-type");
      if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/problem+json")) {
        throw broken("a " + response.status() + " that is not application/problem+json", request, response);
      }
      JsonNode problem;
      try {
        problem = JSON.readTree(response.body());
      } catch (RuntimeException e) {
        throw broken("a problem body that is not JSON", request, response);
      }
      if (!problem.isObject() || problem.path("status").asInt() != response.status() || !problem.path("type").isString()) {
        throw broken("a problem without its status and type", request, response);
      }
    }
    return request.route() + " " + response.status();
  }

  private static AssertionError broken(String what, FuzzRequest request, FuzzResponse response) {
    return new AssertionError(what + "\nrequest: " + request + "\nresponse: " + response);
  }
}
