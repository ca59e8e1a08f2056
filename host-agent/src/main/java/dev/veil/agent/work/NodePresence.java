package dev.veil.agent.work;

import dev.veil.agent.config.AgentProperties;
import dev.veil.agent.market.MarketClient;
import dev.veil.agent.support.Periodic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

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

  /** Registers now and renews until disposed of. */
  Disposable keep() {
    return Periodic.every(properties.heartbeatInterval(),
            () -> market.register().doOnSuccess(done -> registered.tryEmitEmpty()),
            error -> log.warn("node registration failed, will retry: {}", error.getMessage()))
        .subscribe();
  }

  /** Completes once the market has accepted the node's first registration. */
  Mono<Void> registered() {
    return registered.asMono();
  }
}
