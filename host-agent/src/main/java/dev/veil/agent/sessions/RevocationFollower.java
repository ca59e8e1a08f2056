package dev.veil.agent.sessions;

import dev.veil.agent.config.AgentProperties;
import dev.veil.agent.identity.NodeIdentity;
import dev.veil.model.auth.NodeRequestSignature;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * Follows session-service's revocation feed ({@code GET /v1/sessions/revocations}, signed with
 * this node's key) for as long as the agent runs, and tells {@link ValidatedSessions} what it
 * hears: heartbeats, revocations of sessions this node validated, resets. Whenever the stream
 * ends, for any reason, everything kept is forgotten before it is followed again.
 */
@Component
class RevocationFollower implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(RevocationFollower.class);
  private static final String PATH = "/v1/sessions/revocations";
  private static final ParameterizedTypeReference<ServerSentEvent<String>> EVENTS = new ParameterizedTypeReference<>() {};
  private static final Duration MAX_DELAY = Duration.ofSeconds(30);

  private final WebClient http;
  private final NodeIdentity node;
  private final ValidatedSessions sessions;
  private final SessionCacheProperties settings;
  private final Clock clock;

  private volatile Disposable following;
  // Touched only by the one loop that follows the feed.
  private volatile boolean heardOnThisStream;
  private int failures;

  RevocationFollower(WebClient.Builder builder, AgentProperties properties, NodeIdentity node, ValidatedSessions sessions,
      SessionCacheProperties settings, Clock clock) {
    this.http = builder.baseUrl(properties.sessionUrl()).build();
    this.node = node;
    this.sessions = sessions;
    this.settings = settings;
    this.clock = clock;
  }

  private Mono<Void> followOnce() {
    return Mono.defer(() -> {
      NodeRequestSignature signature = NodeRequestSignature.sign(node.key(), "session-service", "GET", PATH, new byte[0], clock.instant());
      return http.get().uri(PATH).accept(MediaType.TEXT_EVENT_STREAM)
          .headers(h -> signature.headers().forEach(h::add))
          .retrieve()
          .bodyToFlux(EVENTS)
          // Silent this long: the stream is dead (a hung service, a half-open connection); follow anew.
          .timeout(settings.feedSilence())
          .doOnNext(this::hear)
          .then();
    })
        .doOnError(e -> log.debug("revocation feed ended: {}", e.toString()))
        .onErrorResume(e -> Mono.empty())
        // Ended, however: what is kept may miss what comes next.
        .doFinally(signal -> sessions.lost());
  }

  /** The wait before following again: the first delay after a stream that was heard, doubling while none is. */
  private Mono<Long> pause() {
    return Mono.defer(() -> {
      if (heardOnThisStream) {
        failures = 0;
      } else if (++failures == 5) {
        log.warn("cannot follow session-service's revocation feed at {} (5 attempts in a row): validated sessions "
            + "are not kept meanwhile, every private request asks session-service", PATH);
      }
      heardOnThisStream = false;
      long base = settings.reconnectDelay().toMillis();
      long delay = Math.min(MAX_DELAY.toMillis(), base << Math.min(failures, 8));
      return Mono.delay(Duration.ofMillis(delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1)));
    });
  }

  private void hear(ServerSentEvent<String> event) {
    String type = event.event();
    if ("ping".equals(type)) {
      heardOnThisStream = true;
      sessions.heard();
    } else if ("revoked".equals(type) && event.data() != null) {
      sessions.revoked(event.data());
    } else if ("reset".equals(type)) {
      sessions.reset();
    }
  }

  @Override
  public void start() {
    if (!settings.enabled()) {
      return;
    }
    following = followOnce()
        .then(pause())
        .repeat()
        .subscribe();
  }

  @Override
  public void stop() {
    Disposable current = following;
    following = null;
    if (current != null) {
      current.dispose();
    }
    sessions.lost();
  }

  @Override
  public boolean isRunning() {
    return following != null;
  }
}
