package dev.veil.gateway.tunnel;

import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * Keeps this replica's entry alive in the registry (its URL inside the cluster and its relay
 * token) every third of {@code ttl}; on shutdown deletes it, so names it held route nowhere at once
 * instead of to a replica that is gone. A replica that dies without saying so lapses after {@code ttl};
 * at each beat it learns how many replicas are alive ({@link LiveReplicas}) and sweeps away the
 * names of replicas lapsed for {@value #SWEEP_AFTER_TTLS} TTLs (long past any pause a live one could
 * come back from).
 */
public final class ReplicaHeartbeat implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(ReplicaHeartbeat.class);
  static final int SWEEP_AFTER_TTLS = 4;

  private final TunnelRegistry registry;
  private final Supplier<String> url;
  private final Duration ttl;
  private final LiveReplicas live;
  private volatile Disposable beats;

  public ReplicaHeartbeat(TunnelRegistry registry, Supplier<String> url, Duration ttl, LiveReplicas live) {
    this.registry = registry;
    this.url = url;
    this.ttl = ttl;
    this.live = live;
  }

  @Override
  public void start() {
    beats = Flux.interval(Duration.ZERO, ttl.dividedBy(3))
        .onBackpressureDrop()
        .concatMap(tick -> registry.heartbeat(url.get(), ttl)
            .doOnNext(live::set)
            .then(registry.sweepLapsed(ttl.multipliedBy(SWEEP_AFTER_TTLS)))
            .doOnNext(dropped -> {
              if (dropped > 0) {
                log.info("dropped {} names held by gateway replicas that died", dropped);
              }
            })
            .doOnError(error -> log.warn("cannot renew this replica in the registry ({})", error.getClass().getSimpleName()))
            .onErrorComplete())
        .subscribe();
  }

  @Override
  public void stop() {
    Disposable current = beats;
    beats = null;
    if (current != null) {
      current.dispose();
      try {
        registry.leave(ttl);
      } catch (RuntimeException e) {
        log.warn("cannot remove this replica from the registry ({}); it lapses on its own", e.getClass().getSimpleName());
      }
    }
  }

  @Override
  public boolean isRunning() {
    return beats != null;
  }

  // After the web server (whose port the URL names) is up, before it stops.
  @Override
  public int getPhase() {
    return SmartLifecycle.DEFAULT_PHASE;
  }
}
