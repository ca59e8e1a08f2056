package dev.veil.service.web;

import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * An {@code Accept} header with nothing in it is read as no {@code Accept} at all (anything will
 * do). Left as it is, Spring Boot's Prometheus endpoint finds no format for it and fails with a
 * 500 ({@code GET /actuator/prometheus} with {@code Accept: }, found by fuzzing, #14).
 */
public final class BlankAcceptFilter implements WebFilter {

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    java.util.List<String> accept = exchange.getRequest().getHeaders().get(HttpHeaders.ACCEPT);
    if (accept == null || accept.stream().anyMatch(value -> !value.isBlank())) {
      return chain.filter(exchange);
    }
    return chain.filter(exchange.mutate().request(request -> request.headers(headers -> headers.remove(HttpHeaders.ACCEPT))).build());
  }
}
