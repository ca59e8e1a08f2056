package dev.veil.service.problem;

import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Every failure of a controller becomes a problem+json answer. (Since Spring Framework 6.1 this
 * also sees failures of other handlers, such as a gateway's filter chain.) A response already
 * under way, or a client that went away, gets nothing more.
 */
@RestControllerAdvice
public class ProblemAdvice {

  private final ProblemMapping mapping;

  public ProblemAdvice(ProblemMapping mapping) {
    this.mapping = mapping;
  }

  @ExceptionHandler(Throwable.class)
  Mono<ResponseEntity<ProblemDetail>> handle(Throwable error, ServerWebExchange exchange) {
    if (exchange.getResponse().isCommitted() || ProblemMapping.isClientGone(error)) {
      return Mono.error(error);
    }
    return Mono.just(mapping.toResponse(error));
  }
}
