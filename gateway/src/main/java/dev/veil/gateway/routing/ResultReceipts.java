package dev.veil.gateway.routing;

import dev.veil.gateway.registry.RegistryCache;
import dev.veil.gateway.registry.RegistryTarget;
import dev.veil.gateway.tunnel.ForwardGuard;
import dev.veil.gateway.tunnel.RelayedRequests;
import dev.veil.gateway.tunnel.ReplicaIdentity;
import dev.veil.model.result.DeliveryReceipt;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.cloud.gateway.config.HttpClientCustomizer;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.NettyWriteResponseFilter;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientResponseException;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.util.retry.Retry;

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
 * <p>A receipt is sent again, backing off, for up to {@value #RETRY_FOR_MINUTES} minutes while the
 * node cannot take it (its tunnel reconnecting, a replica restarting), the node looked up anew each
 * time: the node still counts a late receipt. A node's own 404 (no delivery waits for this token)
 * ends it. At most {@value #MAX_PENDING} are under way at once. At shutdown, receipts still under
 * way get a few seconds to finish.
 *
 * <p>Ordered before {@link NettyWriteResponseFilter}, so the chain it waits on includes the write
 * to the owner's connection.
 */
public final class ResultReceipts implements GatewayFilter, Ordered, DisposableBean {

  public static final int ORDER = NettyWriteResponseFilter.WRITE_RESPONSE_FILTER_ORDER - 1;
  static final int RETRY_FOR_MINUTES = 10;
  /** Receipts under way at once, retries included; more are not sent (their results are held again). */
  static final int MAX_PENDING = 10_000;

  private static final Logger log = LoggerFactory.getLogger(ResultReceipts.class);
  private static final Pattern RESULT_PATH = Pattern.compile("^/(?:job-result/([^/]+)|job/([^/]+)/results)$");
  private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration FIRST_RETRY = Duration.ofMillis(500);
  private static final Duration LONGEST_RETRY = Duration.ofSeconds(30);
  private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(5);

  private final WebClient http;
  private final NodeDomainHost hosts;
  private final RegistryCache registry;
  private final AtomicInteger pending = new AtomicInteger();
  private final Counter sent;
  private final Counter retried;
  private final Counter failed;

  /** Whether a request to a node collects a private result, and so is one this filter asks a receipt for. */
  public static boolean isCollecting(HttpMethod method, String rawPath) {
    // Most paths are not under /job: no matcher for them (asked on every request to a node).
    return method == HttpMethod.GET && rawPath.startsWith("/job") && RESULT_PATH.matcher(rawPath).matches();
  }

  private static boolean isCollecting(HttpMethod method, Matcher result) {
    return method == HttpMethod.GET && result.matches();
  }

  /**
   * {@code resources}: the gateway's event loops (io_uring or epoll, as its server's); {@code customizers}:
   * those of Spring Cloud Gateway's client, applied here too, {@link ForwardGuard}'s among them (a
   * receipt for this replica's forward goes only to the node whose name is still routed there).
   */
  public ResultReceipts(NodeDomainHost hosts, RegistryCache registry, MeterRegistry meters, ReactorResourceFactory resources,
      List<HttpClientCustomizer> customizers) {
    this.http = WebClient.builder().clientConnector(new ReactorClientHttpConnector(resources, client -> {
      HttpClient customized = client;
      for (HttpClientCustomizer customizer : customizers) {
        customized = customizer.customize(customized);
      }
      return customized;
    })).build();
    this.hosts = hosts;
    this.registry = registry;
    this.sent = Counter.builder("veil.gateway.result.receipts").tag("outcome", "sent")
        .description("receipts a node took for private results written whole to their owners").register(meters);
    this.retried = Counter.builder("veil.gateway.result.receipts").tag("outcome", "retried")
        .description("receipt attempts a node could not take, sent again").register(meters);
    this.failed = Counter.builder("veil.gateway.result.receipts").tag("outcome", "failed")
        .description("receipts given up: the node holds the result again, for its owner to ask again").register(meters);
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
    if (RelayedRequests.isRelayed(exchange)) {
      return chain.filter(exchange);
    }
    Matcher result = RESULT_PATH.matcher(exchange.getRequest().getURI().getRawPath());
    boolean collecting = isCollecting(exchange.getRequest().getMethod(), result);
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
    String host = exchange.getRequest().getHeaders().getFirst(HttpHeaders.HOST);
    AtomicReference<String> token = new AtomicReference<>();
    WholeBody whole = new WholeBody(asking.getResponse());
    ServerWebExchange counting = asking.mutate().response(whole).build();
    whole.beforeCommit(() -> {
      HttpHeaders headers = whole.getHeaders();
      token.set(headers.getFirst(DeliveryReceipt.TOKEN_HEADER));
      headers.remove(DeliveryReceipt.TOKEN_HEADER);
      return Mono.empty();
    });
    return chain.filter(counting)
        .doOnSuccess(done -> {
          // Written whole: the node's body ran to its end, every byte was written, and the owner's
          // connection is still there (a connection that went away can end a write without an error).
          if (token.get() != null && HttpStatus.OK.equals(whole.getStatusCode()) && whole.ranToItsEnd() && whole.isOpen()) {
            // Not chained: the owner's response ends now; the receipt need not hold it up.
            if (pending.incrementAndGet() > MAX_PENDING) {
              // Bounded, whatever nodes answer: beyond it the node holds the result again.
              pending.decrementAndGet();
              failed.increment();
              return;
            }
            send(host, jobId, token.get()).doFinally(signal -> pending.decrementAndGet()).subscribe();
          }
        });
  }

  /** The owner's response, noting whether the body handed to it ran to its end. */
  private static final class WholeBody extends ServerHttpResponseDecorator {

    private final AtomicBoolean ended = new AtomicBoolean();

    WholeBody(ServerHttpResponse response) {
      super(response);
    }

    @Override
    public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
      return super.writeWith(Flux.from(body).doOnComplete(() -> ended.set(true)));
    }

    @Override
    public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
      return super.writeAndFlushWith(Flux.from(body).doOnComplete(() -> ended.set(true)));
    }

    boolean ranToItsEnd() {
      return ended.get();
    }

    boolean isOpen() {
      Object connection = ServerHttpResponseDecorator.getNativeResponse(getDelegate());
      return !(connection instanceof reactor.netty.Connection netty) || netty.channel().isActive();
    }
  }

  // To the node's tunnel wherever it is now: this replica's, or the replica that holds it.
  private Mono<Void> send(String host, String jobId, String token) {
    String nodeId = hosts.id(host).orElse("");
    return registry.resolve(nodeId)
        .map(found -> found.filter(target -> target.kind() == RegistryTarget.Kind.NODE)
            .orElseThrow(() -> new NodeAway("no tunnel of the node is open")))
        .flatMap(target -> http.post()
            .uri(target.base().resolve(DeliveryReceipt.path(jobId)))
            .headers(headers -> {
              headers.set(DeliveryReceipt.TOKEN_HEADER, token);
              if (target.isRelay()) {
                // To the replica that holds the tunnel: it routes by the node's name, and believes the token.
                headers.set(HttpHeaders.HOST, host);
                headers.set(ReplicaIdentity.RELAY_HEADER, target.relayToken());
              }
            })
            .retrieve()
            .toBodilessEntity()
            .timeout(ATTEMPT_TIMEOUT)
            .contextWrite(context -> ForwardGuard.routedTo(context, ForwardGuard.Route.of(target))))
        .retryWhen(Retry.backoff(Long.MAX_VALUE, FIRST_RETRY).maxBackoff(LONGEST_RETRY)
            .filter(error -> !isNodeRefusal(error))
            .doBeforeRetry(signal -> retried.increment()))
        .timeout(Duration.ofMinutes(RETRY_FOR_MINUTES))
        .doOnSuccess(answer -> sent.increment())
        .doOnError(error -> {
          failed.increment();
          log.info("gave up the receipt for job {}'s result ({}); its node holds the result again for its owner",
              jobId, isNodeRefusal(error) ? "the node has no delivery waiting for it" : error.getClass().getSimpleName());
        })
        .onErrorComplete()
        .then();
  }

  // The node's own answer that no delivery waits for this token: sending again changes nothing.
  private static boolean isNodeRefusal(Throwable error) {
    return error instanceof WebClientResponseException response && response.getStatusCode().value() == 404;
  }

  private static final class NodeAway extends RuntimeException {
    NodeAway(String message) {
      super(message, null, false, false);
    }
  }

  @Override
  public void destroy() throws InterruptedException {
    long until = System.nanoTime() + SHUTDOWN_WAIT.toNanos();
    while (pending.get() > 0 && System.nanoTime() < until) {
      Thread.sleep(50);
    }
    if (pending.get() > 0) {
      log.info("{} receipt(s) still under way at shutdown: their nodes hold those results again", pending.get());
    }
  }

  @Override
  public int getOrder() {
    return ORDER;
  }
}
