package dev.veil.service.node;

import dev.veil.model.auth.NodeRequestSignature;
import dev.veil.service.web.VeilHttpProperties;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A node-signed request's signature covers its body, so the body must be read before
 * authentication and again by the controller. This reads it once (bounded: larger is 413), keeps
 * the bytes as an exchange attribute, and hands the controller a request that replays them.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
public class CachedBodyFilter implements WebFilter {

  /** Exchange attribute holding the body bytes of a node-signed request. */
  public static final String BODY = CachedBodyFilter.class.getName() + ".body";

  private final int maxBytes;

  public CachedBodyFilter(VeilHttpProperties properties) {
    this.maxBytes = (int) properties.maxBodySize().toBytes();
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    if (!NodeRequestSignature.isPresent(exchange.getRequest().getHeaders()::getFirst)) {
      return chain.filter(exchange);
    }
    return DataBufferUtils.join(exchange.getRequest().getBody(), maxBytes)
        .map(buffer -> {
          byte[] bytes = new byte[buffer.readableByteCount()];
          buffer.read(bytes);
          DataBufferUtils.release(buffer);
          return bytes;
        })
        .defaultIfEmpty(new byte[0])
        .flatMap(bytes -> {
          ServerWebExchange replaying = exchange.mutate().request(new ServerHttpRequestDecorator(exchange.getRequest()) {
            @Override
            public Flux<DataBuffer> getBody() {
              return Flux.defer(() -> Flux.just(exchange.getResponse().bufferFactory().wrap(bytes)));
            }
          }).build();
          replaying.getAttributes().put(BODY, bytes);
          return chain.filter(replaying);
        });
  }
}
