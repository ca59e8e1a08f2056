package dev.veil.session.problem;

import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * Failures outside controllers (the body filter, the session store failing during
 * authentication) answer problem+json too, ahead of Boot's default handler.
 */
@Component
@Order(-2)
class ProblemWebExceptionHandler implements WebExceptionHandler {

  private final ProblemWriter problems;

  ProblemWebExceptionHandler(ProblemWriter problems) {
    this.problems = problems;
  }

  @Override
  public Mono<Void> handle(ServerWebExchange exchange, Throwable error) {
    return exchange.getResponse().isCommitted() ? Mono.error(error) : problems.write(exchange, error);
  }
}
