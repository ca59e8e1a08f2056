package dev.veil.service.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

class BlankAcceptFilterTest {

  private static HttpHeaders passedOn(MockServerHttpRequest.BaseBuilder<?> request) {
    AtomicReference<ServerWebExchange> seen = new AtomicReference<>();
    new BlankAcceptFilter().filter(MockServerWebExchange.from(request), exchange -> {
      seen.set(exchange);
      return Mono.empty();
    }).block();
    return seen.get().getRequest().getHeaders();
  }

  @Test
  void aBlankAcceptIsNoAccept() {
    assertThat(passedOn(MockServerHttpRequest.get("/actuator/prometheus").header("Accept", "")).containsHeader("Accept")).isFalse();
    assertThat(passedOn(MockServerHttpRequest.get("/actuator/prometheus").header("Accept", " ", "")).containsHeader("Accept")).isFalse();
  }

  @Test
  void anyOtherAcceptStaysAsItIs() {
    assertThat(passedOn(MockServerHttpRequest.get("/").header("Accept", "text/plain")).get("Accept")).containsExactly("text/plain");
    assertThat(passedOn(MockServerHttpRequest.get("/")).containsHeader("Accept")).isFalse();
  }
}
