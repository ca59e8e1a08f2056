package dev.veil.gateway.registry;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.veil.gateway.config.GatewayProperties;
import dev.veil.gateway.tunnel.TunnelRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * Registry lookups: a node or service whose tunnel this replica holds is answered from memory; anything else
 * from Redis through a small local cache, found and not found alike. Every change a gateway
 * announces on {@value TunnelRegistry#EVENTS} drops that ID at once, so a closed forward stops
 * working with the next request; the TTL bounds only what is never announced (a replica dying).
 * While the channel is not listened to, nothing is cached: a missed withdrawal must not keep a route alive.
 */
@Component
public class RegistryCache implements SmartLifecycle, HealthIndicator {

  private static final Logger log = LoggerFactory.getLogger(RegistryCache.class);

  private final RegistryLookup lookup;
  private final ReactiveRedisMessageListenerContainer listener;
  private final AsyncCache<String, Optional<RegistryTarget>> cache;
  private final AtomicBoolean listening = new AtomicBoolean();
  private volatile Disposable subscription;

  public RegistryCache(RegistryLookup lookup, ReactiveRedisMessageListenerContainer listener,
      GatewayProperties properties, MeterRegistry meters) {
    this.lookup = lookup;
    this.listener = listener;
    this.cache = Caffeine.newBuilder()
        .expireAfterWrite(properties.registry().cacheTtl())
        .maximumSize(properties.registry().cacheSize())
        .recordStats()
        .buildAsync();
    CaffeineCacheMetrics.monitor(meters, cache, "veil.gateway.registry");
  }

  /**
   * What {@code id} names now: a node, a service, or nothing. A forward this replica holds is
   * answered from memory before the cache: a name forwarded here again must route at once, even
   * while its announcement (which drops an earlier "not found") is still on its way back.
   */
  public Mono<Optional<RegistryTarget>> resolve(String id) {
    Optional<RegistryTarget> held = lookup.findLocal(id);
    if (held.isPresent()) {
      return Mono.just(held);
    }
    if (!listening.get()) {
      return lookup.find(id);
    }
    // Shared by concurrent requests for the same ID: one request going away must not cancel the others' lookup.
    return Mono.fromFuture(() -> cache.get(id, (key, executor) -> lookup.find(key).toFuture()), true);
  }

  /**
   * What the cache holds for {@code id} now, without looking it up, waiting for a look-up under
   * way, or counting a hit or a miss: for the direct path, which leaves every other case to the
   * routes (they look it up once, and then the name is cached). Empty while registry changes are
   * not listened to, when nothing is cached.
   */
  public Optional<RegistryTarget> peek(String id) {
    if (!listening.get()) {
      return Optional.empty();
    }
    CompletableFuture<Optional<RegistryTarget>> cached = cache.asMap().get(id);
    return cached != null && cached.isDone() && !cached.isCompletedExceptionally()
        ? cached.getNow(Optional.empty()) : Optional.empty();
  }

  /** Whether {@code id} is a node seen lately (asked only for a name nothing routes now). */
  public Mono<Boolean> isKnownNode(String id) {
    return lookup.isKnownNode(id);
  }

  /**
   * What {@code id} names among the tunnels this replica holds, for a request another replica passed
   * on: a name a tunnel here is still claiming is an error, to ask again.
   */
  public Mono<Optional<RegistryTarget>> resolveLocal(String id) {
    return lookup.findHere(id);
  }

  /** Drops one ID; called for every registry event. */
  void invalidate(String id) {
    cache.synchronous().invalidate(id);
  }

  @Override
  public void start() {
    subscription = listener.receiveLater(ChannelTopic.of(TunnelRegistry.EVENTS))
        .doOnNext(messages -> {
          // Anything may have changed while we were not listening.
          cache.synchronous().invalidateAll();
          listening.set(true);
          log.info("listening for registry changes");
        })
        .flatMapMany(messages -> messages)
        .doOnNext(message -> invalidate(idOf(message.getMessage())))
        .doOnError(error -> {
          listening.set(false);
          cache.synchronous().invalidateAll();
          log.warn("registry change channel lost ({}); looking every name up until it is back", error.getClass().getSimpleName());
        })
        .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(200)).maxBackoff(Duration.ofSeconds(5)))
        .subscribe();
  }

  private static String idOf(String event) {
    int colon = event.indexOf(':');
    return colon < 0 ? event : event.substring(colon + 1);
  }

  @Override
  public void stop() {
    listening.set(false);
    Disposable current = subscription;
    if (current != null) {
      current.dispose();
    }
  }

  @Override
  public boolean isRunning() {
    Disposable current = subscription;
    return current != null && !current.isDisposed();
  }

  @Override
  public Health health() {
    return listening.get() ? Health.up().build()
        : Health.down().withDetail("reason", "not listening for registry changes; every request looks its name up").build();
  }
}
