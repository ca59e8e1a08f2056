package dev.veil.session.revocation;

import dev.veil.model.id.RandomIds;
import dev.veil.service.problem.ProblemException;
import dev.veil.session.session.RevocationKeys;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.ReactiveRedisClusterConnection;
import org.springframework.data.redis.connection.ReactiveRedisConnection;
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
 * <p>Nothing is lost silently. Notices are numbered within an epoch (see {@link RevocationKeys});
 * heartbeats carry Redis's time and run ID. This replica tells every node following it to forget
 * all it holds ({@code reset}) when the number jumps or the epoch changes (a notice missed, Redis
 * lost its data), when Redis's run ID changes (Redis restarted: writes since its last save may be
 * gone, the "seen" notes with them), or when a heartbeat reaches it later than {@code max-lag}
 * (its subscription lags). It closes a stream whose queue overflows or that has taken nothing for
 * {@code max-lag} while events wait, and every stream when its subscription fails or ends; a node
 * forgets everything when its stream ends. A node that hears nothing for its {@code feed-silence}
 * stops trusting what it holds on its own.
 */
@Component
public class RevocationFeed implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(RevocationFeed.class);

  private static final RedisScript<Long> HEARTBEAT = RedisScript.of(RevocationKeys.EPOCH_FUNCTION + """
      local epoch = feed_epoch(KEYS[1], ARGV[1], ARGV[3])
      redis.call('PEXPIRE', KEYS[1], ARGV[3])
      local seq = redis.call('GET', KEYS[2])
      if seq then redis.call('PEXPIRE', KEYS[2], ARGV[3]) else seq = '0' end
      local now = redis.call('TIME')
      local millis = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
      redis.call('PUBLISH', ARGV[2], 'p ' .. epoch .. ' ' .. seq .. ' ' .. string.format('%d', millis) .. ' ' .. ARGV[4])
      return 1
      """, Long.class);

  private final ReactiveStringRedisTemplate redis;
  private final ReactiveRedisConnectionFactory connections;
  private final RevocationFeedProperties settings;
  private final Clock clock;
  private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
  private final Map<String, Integer> streamsPerNode = new ConcurrentHashMap<>();
  private final Counter resets;

  private volatile boolean running;
  private ReactiveRedisMessageListenerContainer listener;
  private Disposable subscription;
  private Disposable heartbeats;
  // This replica's view of the channel, touched only by the one thread delivering its messages.
  private String epoch;
  private long sequence;
  private String redisRun;

  public RevocationFeed(ReactiveStringRedisTemplate redis, ReactiveRedisConnectionFactory connections,
      RevocationFeedProperties settings, Clock clock, MeterRegistry registry) {
    this.redis = redis;
    this.connections = connections;
    this.settings = settings;
    this.clock = clock;
    this.resets = Counter.builder("veil.sessions.feed.resets")
        .description("times this replica told its nodes to forget every session they hold").register(registry);
    Gauge.builder("veil.sessions.feed.streams", streams, Set::size)
        .description("revocation feed streams open at this replica").register(registry);
  }

  /** A stream of events for this node, until it cancels or this replica closes it. */
  public Flux<FeedEvent> open(String nodeId) {
    return Flux.defer(() -> {
      if (!running) {
        return Flux.error(ProblemException.unavailable("the revocation feed is not available here right now",
            Duration.ofSeconds(1)));
      }
      boolean[] admitted = {false};
      streamsPerNode.compute(nodeId, (id, open) -> {
        int count = open == null ? 0 : open;
        if (count >= settings.maxStreamsPerNode()) {
          return open;
        }
        admitted[0] = true;
        return count + 1;
      });
      if (!admitted[0]) {
        return Flux.error(ProblemException.rateLimited("this node has too many revocation feed streams open",
            Duration.ofSeconds(5)));
      }
      Stream stream = new Stream(nodeId, settings.streamBuffer());
      streams.add(stream);
      return stream.events().doFinally(signal -> {
        streams.remove(stream);
        streamsPerNode.computeIfPresent(nodeId, (id, open) -> open <= 1 ? null : open - 1);
      });
    });
  }

  void accept(String message) {
    FeedNotice.parse(message).ifPresent(notice -> {
      boolean missed = epoch != null && (!epoch.equals(notice.epoch())
          || notice.sequence() != (notice.revocation() ? sequence + 1 : sequence));
      epoch = notice.epoch();
      sequence = notice.sequence();
      boolean late = false;
      if (!notice.revocation()) {
        missed |= redisRun != null && !redisRun.equals(notice.redisRun());
        redisRun = notice.redisRun();
        late = clock.millis() - notice.sentAtMillis() > settings.maxLag().toMillis();
      }
      if (missed || late) {
        resets.increment();
        log.warn(late ? "revocation notices reach this replica late: every node following it forgets what it holds"
            : "revocation notices were missed, or Redis restarted or lost data: every node following this replica forgets what it holds");
        streams.forEach(stream -> stream.send(FeedEvent.RESET));
      }
      if (notice.revocation()) {
        FeedEvent revoked = FeedEvent.revoked(notice.handle());
        streams.stream().filter(stream -> notice.nodes().contains(stream.nodeId)).forEach(stream -> stream.send(revoked));
      } else if (!late) {
        long now = System.nanoTime();
        streams.forEach(stream -> {
          stream.cutIfStalled(now, settings.maxLag().toNanos());
          stream.send(FeedEvent.PING);
        });
      }
    });
  }

  private void safelyAccept(String message) {
    try {
      accept(message);
    } catch (RuntimeException e) {
      lost(e);
    }
  }

  private void lost(Throwable error) {
    log.warn("lost the revocation channel ({}); closing every feed stream", error.toString());
    epoch = null;
    redisRun = null;
    streams.forEach(Stream::cut);
  }

  private Mono<Void> beat() {
    return redis.execute(RevocationFeed::serverInfo)
        .next()
        .map(info -> info.getProperty("run_id", "-"))
        .flatMap(run -> redis.execute(HEARTBEAT, List.of(RevocationKeys.EPOCH, RevocationKeys.SEQUENCE),
            List.of(RandomIds.next(), RevocationKeys.CHANNEL, Long.toString(settings.stateTtl().toMillis()), run)).then())
        .timeout(settings.heartbeat().multipliedBy(2).plusSeconds(2))
        .onErrorResume(e -> {
          log.debug("heartbeat not published: {}", e.toString());
          return Mono.empty();
        });
  }

  /**
   * {@code INFO server} of the Redis that holds the feed's state: the one server, or on a Redis
   * Cluster the primary serving the feed's hash slot (a cluster-wide {@code INFO} would ask every
   * node, replicas and failed ones included, and fail with any of them).
   */
  private static Mono<Properties> serverInfo(ReactiveRedisConnection connection) {
    if (connection instanceof ReactiveRedisClusterConnection cluster) {
      return cluster.clusterGetNodeForKey(ByteBuffer.wrap(RevocationKeys.EPOCH.getBytes(StandardCharsets.UTF_8)))
          .flatMap(node -> cluster.serverCommands().info(node, "server"));
    }
    return connection.serverCommands().info("server");
  }

  @Override
  public void start() {
    listener = new ReactiveRedisMessageListenerContainer(connections);
    subscription = Flux.defer(() -> listener.receive(ChannelTopic.of(RevocationKeys.CHANNEL)))
        .doOnNext(message -> safelyAccept(message.getMessage()))
        .doOnError(this::lost)
        .doOnComplete(() -> lost(new IllegalStateException("the subscription ended")))
        .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(200)).maxBackoff(Duration.ofSeconds(2)))
        .repeatWhen(ends -> ends.delayElements(Duration.ofSeconds(1)))
        .subscribe();
    heartbeats = Flux.interval(settings.heartbeat())
        .onBackpressureDrop()
        .concatMap(tick -> beat(), 1)
        .retry()
        .subscribe();
    running = true;
  }

  /** For tests of {@link #accept} without Redis: streams may be opened. */
  void acceptStreams() {
    running = true;
  }

  @Override
  public void stop() {
    running = false;
    if (heartbeats != null) {
      heartbeats.dispose();
    }
    streams.forEach(Stream::cut);
    if (subscription != null) {
      subscription.dispose();
    }
    if (listener != null) {
      listener.destroyLater().subscribe();
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /**
   * One node's stream: a bounded queue. A node too slow to keep up is cut off at once, its queued
   * events dropped (it then forgets all and reconnects): a notice is never silently skipped.
   */
  private static final class Stream {

    private final String nodeId;
    private final Sinks.Many<FeedEvent> sink;
    private final Sinks.One<Boolean> cut = Sinks.one();
    private final AtomicInteger waiting = new AtomicInteger();
    private volatile long progressAt = System.nanoTime();

    Stream(String nodeId, int buffer) {
      this.nodeId = nodeId;
      this.sink = Sinks.many().unicast().onBackpressureBuffer(Queues.<FeedEvent>get(buffer).get());
    }

    Flux<FeedEvent> events() {
      return sink.asFlux()
          .doOnNext(event -> {
            waiting.decrementAndGet();
            progressAt = System.nanoTime();
          })
          .takeUntilOther(cut.asMono());
    }

    synchronized void send(FeedEvent event) {
      if (waiting.getAndIncrement() == 0) {
        progressAt = System.nanoTime();
      }
      if (sink.tryEmitNext(event).isFailure()) {
        cut();
      }
    }

    /** Closes the stream when events have waited without any being taken for {@code maxLagNanos}. */
    void cutIfStalled(long now, long maxLagNanos) {
      if (waiting.get() > 0 && now - progressAt > maxLagNanos) {
        cut();
      }
    }

    void cut() {
      cut.tryEmitValue(Boolean.TRUE);
    }
  }
}
