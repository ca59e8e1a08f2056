package dev.veil.service.problem;

import org.springframework.core.annotation.Order;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * Failures outside controllers (the body filter, the session store failing during
 * authentication) answer problem+json too, ahead of Boot's default handler.
 */
@Order(-2)
public class ProblemWebExceptionHandler implements WebExceptionHandler {

  private final ProblemWriter problems;

  public ProblemWebExceptionHandler(ProblemWriter problems) {
    this.problems = problems;
  }

  @Override
  public Mono<Void> handle(ServerWebExchange exchange, Throwable error) {
    // A client that went away gets no answer; WebFlux notes that quietly, it is no failure of ours.
    return exchange.getResponse().isCommitted() || ProblemMapping.isClientGone(error) ? Mono.error(error) : problems.write(exchange, error);
  }
}
