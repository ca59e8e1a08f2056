package dev.veil.gateway.routing;

import dev.veil.gateway.registry.RegistryTarget;
import dev.veil.gateway.tunnel.RelayedRequests;
import dev.veil.gateway.tunnel.ReplicaIdentity;
import dev.veil.model.result.DeliveryReceipt;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.NettyWriteResponseFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Receipts for private results ({@link DeliveryReceipt}): a node counts its result collected only
 * when this replica, the one writing to the owner's connection, says the last byte went out. On a
 * node's {@code GET /job-result/{jobId}} (or Nosana's {@code /job/{jobId}/results}) it asks for a
 * receipt token, keeps the token from the owner, and sends it back once the response has been
 * written whole: a gateway that dies, or an owner's connection that breaks, before that leaves the
 * result held at the node, to be asked for again. A receipt header a client sends is dropped.
 *
 * <p>A request another replica passed on (it holds the node's tunnel) goes through as it came: the
 * replica that took it from the owner asked for the receipt and sends it, through this one.
 *
 * <p>Ordered before {@link NettyWriteResponseFilter}, so the chain it waits on includes the write
 * to the owner's connection.
 */
public final class ResultReceipts implements GatewayFilter, Ordered {

  public static final int ORDER = NettyWriteResponseFilter.WRITE_RESPONSE_FILTER_ORDER - 1;

  private static final Logger log = LoggerFactory.getLogger(ResultReceipts.class);
  private static final Pattern RESULT_PATH = Pattern.compile("^/(?:job-result/([^/]+)|job/([^/]+)/results)$");
  private static final Duration RECEIPT_TIMEOUT = Duration.ofSeconds(10);

  private final WebClient http;
  private final Counter sent;
  private final Counter failed;

  public ResultReceipts(MeterRegistry meters) {
    this.http = WebClient.create();
    this.sent = Counter.builder("veil.gateway.result.receipts").tag("outcome", "sent")
        .description("receipts sent to nodes for private results written whole to their owners").register(meters);
    this.failed = Counter.builder("veil.gateway.result.receipts").tag("outcome", "failed")
        .description("receipts a node did not take: it holds the result again after its timeout").register(meters);
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
    if (RelayedRequests.isRelayed(exchange)) {
      return chain.filter(exchange);
    }
    Matcher result = RESULT_PATH.matcher(exchange.getRequest().getURI().getRawPath());
    boolean collecting = exchange.getRequest().getMethod() == HttpMethod.GET && result.matches();
    ServerWebExchange asking = exchange.mutate()
        .request(request -> request.headers(headers -> {
          headers.remove(DeliveryReceipt.REQUEST_HEADER);
          if (collecting) {
            headers.set(DeliveryReceipt.REQUEST_HEADER, DeliveryReceipt.REQUESTED);
          }
        }))
        .build();
    if (!collecting) {
      return chain.filter(asking);
    }
    String jobId = result.group(1) != null ? result.group(1) : result.group(2);
    AtomicReference<String> token = new AtomicReference<>();
    asking.getResponse().beforeCommit(() -> {
      HttpHeaders headers = asking.getResponse().getHeaders();
      token.set(headers.getFirst(DeliveryReceipt.TOKEN_HEADER));
      headers.remove(DeliveryReceipt.TOKEN_HEADER);
      return Mono.empty();
    });
    return chain.filter(asking)
        .doOnSuccess(done -> {
          if (token.get() != null && HttpStatus.OK.equals(asking.getResponse().getStatusCode())) {
            // Not chained: the owner's response ends now; the receipt need not hold it up.
            send(asking, jobId, token.get()).subscribe();
          }
        });
  }

  private Mono<Void> send(ServerWebExchange exchange, String jobId, String token) {
    RegistryTarget target = exchange.getRequiredAttribute(RegisteredName.TARGET_ATTR);
    return http.post()
        .uri(target.base().resolve(DeliveryReceipt.path(jobId)))
        .headers(headers -> {
          headers.set(DeliveryReceipt.TOKEN_HEADER, token);
          if (target.isRelay()) {
            // To the replica that holds the tunnel: it routes by the node's name, and believes the token.
            headers.set(HttpHeaders.HOST, exchange.getRequest().getHeaders().getFirst(HttpHeaders.HOST));
            headers.set(ReplicaIdentity.RELAY_HEADER, target.relayToken());
          }
        })
        .retrieve()
        .toBodilessEntity()
        .timeout(RECEIPT_TIMEOUT)
        .doOnSuccess(answer -> sent.increment())
        .doOnError(error -> {
          failed.increment();
          log.info("a node did not take the receipt for job {}'s result ({}); it holds the result again after its timeout",
              jobId, error.getClass().getSimpleName());
        })
        .onErrorComplete()
        .then();
  }

  @Override
  public int getOrder() {
    return ORDER;
  }
}
