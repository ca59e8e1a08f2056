package dev.veil.gateway.limits;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.util.unit.DataSize;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Caps a request body while it streams through. A declared {@code Content-Length} over the cap is
 * refused before anything is forwarded (413 problem); a chunked body is counted as it passes and
 * cut off at the cap, so no upstream ever receives more than the cap.
 */
public final class RequestBodyLimit implements GatewayFilter, Ordered {

  private final long maxBytes;

  public RequestBodyLimit(DataSize max) {
    this.maxBytes = max.toBytes();
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
    ServerHttpRequest request = exchange.getRequest();
    long declared = request.getHeaders().getContentLength();
    if (declared > maxBytes) {
      return Mono.error(BodyCap.tooLarge(maxBytes));
    }
    if (declared >= 0) {
      // The server reads exactly Content-Length bytes: the declared size is the size.
      return chain.filter(exchange);
    }
    ServerHttpRequest counted = new ServerHttpRequestDecorator(request) {
      @Override
      public Flux<DataBuffer> getBody() {
        return BodyCap.counted(super.getBody(), maxBytes, DataBuffer::readableByteCount, DataBufferUtils::release);
      }
    };
    return chain.filter(exchange.mutate().request(counted).build());
  }

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE + 100;
  }
}
