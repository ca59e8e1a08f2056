package dev.veil.agent.work;

import dev.veil.agent.config.AgentProperties;
import dev.veil.agent.market.MarketClient;
import dev.veil.agent.support.Periodic;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.retry.Retry;

/**
 * The node's registration on the market, renewed every {@code heartbeat-interval} so it stays
 * listed. The market refuses claims from a node it does not know, so the claim loop waits for
 * {@link #registered()}.
 */
@Component
class NodePresence {

  private static final Logger log = LoggerFactory.getLogger(NodePresence.class);

  private final MarketClient market;
  private final AgentProperties properties;
  private final Sinks.Empty<Void> registered = Sinks.empty();

  NodePresence(MarketClient market, AgentProperties properties) {
    this.market = market;
    this.properties = properties;
  }

  /**
   * Registers now and renews every {@code heartbeat-interval} until disposed of. A renewal the
   * market does not take is tried again within seconds, so the node is back on the market as soon
   * as the market is.
   */
  Disposable keep() {
    return Periodic.every(properties.heartbeatInterval(),
            () -> market.register()
                .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofSeconds(1)).maxBackoff(Duration.ofSeconds(5))
                    .doBeforeRetry(failed -> {
                      if (failed.totalRetriesInARow() == 0) {
                        log.warn("node registration failed, trying again every few seconds: {}", failed.failure().getMessage());
                      }
                    }))
                .doOnSuccess(done -> registered.tryEmitEmpty()),
            error -> log.warn("node registration failed, will retry: {}", error.getMessage()))
        .subscribe();
  }

  /**
   * Registers once, now: the market said it does not know this node (its registration lapsed
   * during an outage). True when the market took it.
   */
  Mono<Boolean> renewNow() {
    return market.register()
        .doOnSuccess(done -> log.info("registered again with the market"))
        .thenReturn(true)
        .onErrorReturn(false);
  }

  /** Completes once the market has accepted the node's first registration. */
  Mono<Void> registered() {
    return registered.asMono();
  }
}
