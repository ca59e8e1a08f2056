package dev.veil.agent.work;

import dev.veil.agent.config.AgentProperties;
import dev.veil.agent.engine.ContainerEngine;
import dev.veil.agent.market.MarketClient;
import dev.veil.agent.market.MarketException;
import dev.veil.agent.tunnel.GatewayTunnel;
import dev.veil.model.market.JobRecord;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * Claims jobs, one long-poll at a time, whenever {@link JobCapacity} has room for one more, and
 * hands each to the caller, which starts it and returns at once: the loop does not wait for a
 * job to end, only for room.
 *
 * <p>Nothing is claimed while the container engine does not answer (the job could only fail) or
 * while the tunnel to the gateway is closed (nobody could send a private definition or collect a
 * result); the health endpoint says which, and the loop looks again every two seconds.
 */
@Component
class ClaimLoop {

  private static final Logger log = LoggerFactory.getLogger(ClaimLoop.class);
  private static final Duration RETRY = Duration.ofSeconds(2);

  private final MarketClient market;
  private final ContainerEngine engine;
  private final GatewayTunnel tunnel;
  private final JobCapacity capacity;
  private final AgentProperties properties;
  private final MeterRegistry meters;
  private final NodePresence presence;
  private final AtomicBoolean tunnelDown = new AtomicBoolean();
  private final AtomicBoolean engineDown = new AtomicBoolean();

  ClaimLoop(MarketClient market, ContainerEngine engine, GatewayTunnel tunnel, JobCapacity capacity,
      AgentProperties properties, MeterRegistry meters, NodePresence presence) {
    this.market = market;
    this.engine = engine;
    this.tunnel = tunnel;
    this.capacity = capacity;
    this.properties = properties;
    this.meters = meters;
    this.presence = presence;
  }

  /** Claims after {@code ready} completes, until disposed of; {@code start} takes each claimed job. */
  Disposable run(Mono<Void> ready, Consumer<JobRecord> start) {
    return ready.thenMany(Mono.defer(() -> capacity.claimable().then(Mono.defer(this::claimWhenReady)))
            .doOnNext(start)
            .onErrorResume(e -> {
              if (e instanceof MarketException refused && refused.status() == 409) {
                // The market no longer knows this node (its registration lapsed while it was out of reach).
                log.warn("claim loop: the market does not know this node; registering again");
                // Then claim at once; if the market would not take the registration either, wait as for any failure.
                return presence.renewNow().flatMap(renewed -> renewed ? Mono.<JobRecord>empty() : Mono.delay(RETRY).then(Mono.empty()));
              }
              log.warn("claim loop: {}; retrying in {} s", e.getMessage(), RETRY.toSeconds());
              return Mono.delay(RETRY).then(Mono.empty());
            })
            .repeat())
        .subscribe();
  }

  private Mono<JobRecord> claimWhenReady() {
    if (!tunnel.isConnected()) {
      if (tunnelDown.compareAndSet(false, true)) {
        log.warn("no tunnel to the gateway: no job is claimed until it is open");
      }
      return paused();
    }
    if (tunnelDown.compareAndSet(true, false)) {
      log.info("the tunnel to the gateway is open: claiming jobs");
    }
    return engine.ping().flatMap(up -> {
      if (up) {
        if (engineDown.compareAndSet(true, false)) {
          log.info("the container engine answers again: claiming jobs");
        }
        return market.claim(properties.claimWait());
      }
      if (engineDown.compareAndSet(false, true)) {
        log.warn("the container engine does not answer: no job is claimed until it does");
      }
      return paused();
    });
  }

  private Mono<JobRecord> paused() {
    meters.counter("veil.agent.claims.paused").increment();
    return Mono.delay(RETRY).then(Mono.empty());
  }
}
