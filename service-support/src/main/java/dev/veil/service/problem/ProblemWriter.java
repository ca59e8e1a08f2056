package dev.veil.service.problem;

import java.util.Map;
import org.springframework.core.ResolvableType;
import org.springframework.core.codec.Encoder;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.EncoderHttpMessageWriter;
import org.springframework.http.codec.HttpMessageWriter;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/** Writes a failure as problem+json straight onto a response, for code that runs outside controllers. */
public class ProblemWriter {

  private static final ResolvableType PROBLEM = ResolvableType.forClass(ProblemDetail.class);

  private final HttpMessageWriter<ProblemDetail> writer;
  private final Encoder<ProblemDetail> encoder;
  private final ProblemMapping mapping;

  @SuppressWarnings("unchecked")
  public ProblemWriter(ServerCodecConfigurer codecs, ProblemMapping mapping) {
    this.mapping = mapping;
    this.writer = (HttpMessageWriter<ProblemDetail>) codecs.getWriters().stream()
        .filter(w -> w.canWrite(PROBLEM, MediaType.APPLICATION_PROBLEM_JSON))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no JSON writer for ProblemDetail"));
    this.encoder = writer instanceof EncoderHttpMessageWriter<ProblemDetail> encoding ? encoding.getEncoder() : null;
  }

  public Mono<Void> write(ServerWebExchange exchange, Throwable error) {
    return write(exchange.getResponse(), error);
  }

  /** The same, for a response answered outside WebFlux's exchange (a handler on the server's own request and response). */
  public Mono<Void> write(ServerHttpResponse response, Throwable error) {
    ResponseEntity<ProblemDetail> answer = mapping.toResponse(error);
    response.setStatusCode(answer.getStatusCode());
    response.getHeaders().addAll(answer.getHeaders());
    return writer.write(Mono.justOrEmpty(answer.getBody()), PROBLEM, MediaType.APPLICATION_PROBLEM_JSON, response, Map.of());
  }

  /**
   * The same answer made up front, for a handler that writes it on the server's own response (no
   * WebFlux adapter): its status, its headers ({@code Content-Type}, {@code Retry-After}, ...) and
   * its body, encoded as {@link #write} encodes it, in a buffer the caller sends or releases.
   */
  public Encoded encode(Throwable error, DataBufferFactory buffers) {
    if (encoder == null) {
      throw new IllegalStateException("the JSON writer for ProblemDetail has no encoder");
    }
    ResponseEntity<ProblemDetail> answer = mapping.toResponse(error);
    DataBuffer body = encoder.encodeValue(answer.getBody(), buffers, PROBLEM, MediaType.APPLICATION_PROBLEM_JSON, Map.of());
    return new Encoded(answer.getStatusCode(), answer.getHeaders(), body);
  }

  /** A problem answer, encoded: {@code body} is the caller's to send or release. */
  public record Encoded(HttpStatusCode status, HttpHeaders headers, DataBuffer body) {}
}
