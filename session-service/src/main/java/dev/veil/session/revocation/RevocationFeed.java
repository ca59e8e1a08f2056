package dev.veil.session.revocation;

import dev.veil.model.id.RandomIds;
import dev.veil.service.problem.ProblemException;
import dev.veil.session.session.RevocationKeys;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.concurrent.Queues;
import reactor.util.retry.Retry;

/**
 * This replica's end of the revocation feed: it follows the revocation channel in Redis, passes
 * each revocation to the nodes it names that have a stream open here, and every heartbeat to all
 * of them; it publishes its own heartbeat. Heartbeats travel through Redis, so a node that hears
 * them knows the whole path (Redis → this replica → its stream) is alive.
 *
 * <p>Notices are numbered within an epoch (see {@link RevocationKeys}). When this replica sees
 * the number jump or the epoch change — its subscription dropped a message, or Redis lost its data
 * — it tells every node to forget all it holds ({@code reset}); when its subscription fails it
 * closes every stream, which tells the nodes the same. A node that hears nothing for its
 * {@code feed-silence} stops trusting what it holds on its own.
 */
@Component
public class RevocationFeed implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(RevocationFeed.class);

  private static final RedisScript<Long> HEARTBEAT = RedisScript.of("""
      local epoch = redis.call('GET', KEYS[1])
      if not epoch then
        epoch = ARGV[1]
        redis.call('SET', KEYS[1], epoch, 'PX', ARGV[3])
      else
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
      end
      local seq = redis.call('GET', KEYS[2])
      if seq then redis.call('PEXPIRE', KEYS[2], ARGV[3]) else seq = '0' end
      redis.call('PUBLISH', ARGV[2], 'p ' .. epoch .. ' ' .. seq)
      return 1
      """, Long.class);

  private final ReactiveStringRedisTemplate redis;
  private final ReactiveRedisConnectionFactory connections;
  private final RevocationFeedProperties settings;
  private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
  private final Map<String, AtomicInteger> streamsPerNode = new ConcurrentHashMap<>();
  private final Counter resets;

  private ReactiveRedisMessageListenerContainer listener;
  private Disposable subscription;
  private Disposable heartbeats;
  // This replica's view of the channel, touched only by the one thread delivering its messages.
  private String epoch;
  private long sequence;

  public RevocationFeed(ReactiveStringRedisTemplate redis, ReactiveRedisConnectionFactory connections,
      RevocationFeedProperties settings, MeterRegistry registry) {
    this.redis = redis;
    this.connections = connections;
    this.settings = settings;
    this.resets = Counter.builder("veil.sessions.feed.resets")
        .description("times this replica told its nodes to forget every session they hold").register(registry);
    Gauge.builder("veil.sessions.feed.streams", streams, Set::size)
        .description("revocation feed streams open at this replica").register(registry);
  }

  /** A stream of events for this node, until it cancels or this replica closes it. */
  public Flux<FeedEvent> open(String nodeId) {
    return Flux.defer(() -> {
      AtomicInteger open = streamsPerNode.computeIfAbsent(nodeId, id -> new AtomicInteger());
      if (open.incrementAndGet() > settings.maxStreamsPerNode()) {
        release(nodeId, open);
        return Flux.error(ProblemException.rateLimited("this node has too many revocation feed streams open",
            Duration.ofSeconds(5)));
      }
      Stream stream = new Stream(nodeId, Sinks.many().unicast().onBackpressureBuffer(
          Queues.<FeedEvent>get(settings.streamBuffer()).get()));
      streams.add(stream);
      return stream.sink.asFlux().doFinally(signal -> {
        streams.remove(stream);
        release(nodeId, open);
      });
    });
  }

  private void release(String nodeId, AtomicInteger open) {
    if (open.decrementAndGet() <= 0) {
      streamsPerNode.remove(nodeId, open);
    }
  }

  void accept(String message) {
    FeedNotice.parse(message).ifPresent(notice -> {
      boolean missed = epoch != null && (!epoch.equals(notice.epoch())
          || notice.sequence() != (notice.revocation() ? sequence + 1 : sequence));
      epoch = notice.epoch();
      sequence = notice.sequence();
      if (missed) {
        resets.increment();
        log.warn("revocation notices were missed (or Redis lost them): every node following this replica forgets what it holds");
        streams.forEach(stream -> stream.send(FeedEvent.RESET));
      }
      if (notice.revocation()) {
        FeedEvent revoked = FeedEvent.revoked(notice.handle());
        streams.stream().filter(stream -> notice.nodes().contains(stream.nodeId)).forEach(stream -> stream.send(revoked));
      } else {
        streams.forEach(stream -> stream.send(FeedEvent.PING));
      }
    });
  }

  private void lost(Throwable error) {
    log.warn("lost the revocation channel ({}); closing every feed stream", error.toString());
    epoch = null;
    streams.forEach(Stream::close);
  }

  @Override
  public void start() {
    listener = new ReactiveRedisMessageListenerContainer(connections);
    subscription = Flux.defer(() -> listener.receive(ChannelTopic.of(RevocationKeys.CHANNEL)))
        .doOnError(this::lost)
        .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(200)).maxBackoff(Duration.ofSeconds(2)))
        .subscribe(message -> accept(message.getMessage()));
    heartbeats = Flux.interval(settings.heartbeat())
        .concatMap(tick -> redis.execute(HEARTBEAT, List.of(RevocationKeys.EPOCH, RevocationKeys.SEQUENCE),
                List.of(RandomIds.next(), RevocationKeys.CHANNEL, Long.toString(settings.stateTtl().toMillis())))
            .then()
            .onErrorResume(e -> {
              log.debug("heartbeat not published: {}", e.toString());
              return Mono.empty();
            }))
        .subscribe();
  }

  @Override
  public void stop() {
    if (heartbeats != null) {
      heartbeats.dispose();
    }
    streams.forEach(Stream::close);
    if (subscription != null) {
      subscription.dispose();
    }
    if (listener != null) {
      listener.destroyLater().subscribe();
    }
    subscription = null;
  }

  @Override
  public boolean isRunning() {
    return subscription != null;
  }

  /** One node's stream: a bounded queue; a node too slow to keep up is cut off (it then forgets all and reconnects). */
  private record Stream(String nodeId, Sinks.Many<FeedEvent> sink) {

    synchronized void send(FeedEvent event) {
      Sinks.EmitResult result = sink.tryEmitNext(event);
      if (result == Sinks.EmitResult.FAIL_OVERFLOW) {
        sink.tryEmitError(ProblemException.rateLimited("revocation feed stream fell behind", Duration.ofSeconds(1)));
      }
    }

    synchronized void close() {
      sink.tryEmitComplete();
    }
  }
}
