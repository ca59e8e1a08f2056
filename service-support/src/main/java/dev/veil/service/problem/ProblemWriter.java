package dev.veil.service.problem;

import java.util.Map;
import org.springframework.core.ResolvableType;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.HttpMessageWriter;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/** Writes a failure as problem+json straight onto a response, for code that runs outside controllers. */
public class ProblemWriter {

  private static final ResolvableType PROBLEM = ResolvableType.forClass(ProblemDetail.class);

  private final HttpMessageWriter<ProblemDetail> writer;
  private final ProblemMapping mapping;

  @SuppressWarnings("unchecked")
  public ProblemWriter(ServerCodecConfigurer codecs, ProblemMapping mapping) {
    this.mapping = mapping;
    this.writer = (HttpMessageWriter<ProblemDetail>) codecs.getWriters().stream()
        .filter(w -> w.canWrite(PROBLEM, MediaType.APPLICATION_PROBLEM_JSON))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no JSON writer for ProblemDetail"));
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
}
