package dev.veil.agent.tunnel;

import dev.veil.agent.config.AgentProperties;
import dev.veil.agent.identity.NodeIdentity;
import dev.veil.tunnel.ForwardName;
import dev.veil.tunnel.Tunnel;
import dev.veil.tunnel.TunnelClient;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The agent's one way in: an SSH tunnel it dials to the gateway, carrying its API (forward
 * {@code node}) and every exposed service of its jobs. Nothing needs to reach this host. The
 * tunnel is kept open: when it breaks, the agent dials again with jittered back-off (100 ms
 * growing to {@code max-reconnect-delay}) and asks again for every forward it holds.
 */
@Component
public class GatewayTunnel implements SmartLifecycle, HealthIndicator, ApplicationListener<WebServerInitializedEvent> {

  private static final Logger log = LoggerFactory.getLogger(GatewayTunnel.class);
  private static final Duration FIRST_DELAY = Duration.ofMillis(100);

  private final AgentProperties.Tunnel settings;
  private final NodeIdentity identity;
  private final Map<ForwardName, Target> wanted = new ConcurrentHashMap<>();
  // One forward change at a time, and none while a new tunnel is restoring them: each is asked
  // for exactly once per tunnel, and none is missed.
  private final Object forwarding = new Object();
  private volatile TunnelClient client;
  private volatile Tunnel tunnel;
  private volatile Thread dialer;
  private volatile boolean running;
  private final ApplicationEventPublisher events;

  /**
   * Published when a tunnel that was open has closed: nothing sent into it can be answered
   * through it any more (a result's receipt among them).
   */
  public record Closed() {}

  public GatewayTunnel(AgentProperties properties, NodeIdentity identity, MeterRegistry meters, ApplicationEventPublisher events) {
    this.settings = properties.tunnel();
    this.identity = identity;
    this.events = events;
    Gauge.builder("veil.agent.tunnel.connected", this, t -> t.isConnected() ? 1 : 0).register(meters);
    Gauge.builder("veil.agent.tunnel.forwards", wanted, Map::size).register(meters);
  }

  /**
   * Routes {@code name} into this tunnel, to {@code host:port} here. While the tunnel is down the
   * forward is kept and asked for on reconnect. Errors when the gateway refuses it.
   */
  public Mono<Void> forward(ForwardName name, String host, int port) {
    Target target = new Target(host, port);
    return Mono.<Void>fromCallable(() -> {
      synchronized (forwarding) {
        wanted.put(name, target);
        Tunnel current = tunnel;
        if (current != null && current.isOpen()) {
          try {
            current.forward(name, host, port);
          } catch (IOException e) {
            if (!current.isOpen()) {
              // The tunnel broke meanwhile: the forward is asked for again when it is back.
              return null;
            }
            wanted.remove(name, target);
            throw new TunnelException("the gateway refused a forward", e);
          }
        }
        return null;
      }
    }).subscribeOn(Schedulers.boundedElastic()).then();
  }

  /** Withdraws a forward: the gateway stops routing it at once. */
  public Mono<Void> cancel(ForwardName name) {
    return Mono.<Void>fromCallable(() -> {
      synchronized (forwarding) {
        wanted.remove(name);
        Tunnel current = tunnel;
        if (current != null && current.isOpen()) {
          try {
            current.cancel(name);
          } catch (IOException e) {
            // The gateway drops the name when the tunnel closes, at the latest.
            log.warn("a forward was not withdrawn cleanly ({})", e.getClass().getSimpleName());
          }
        }
        return null;
      }
    }).subscribeOn(Schedulers.boundedElastic()).then();
  }

  public boolean isConnected() {
    Tunnel current = tunnel;
    return current != null && current.isOpen();
  }

  @Override
  public void start() {
    client = new TunnelClient(identity.key(), settings.hostKeyFingerprint(), settings.heartbeat());
    running = true;
  }

  /** Dials once the API listens: its port is the {@code node} forward's target. */
  @Override
  public void onApplicationEvent(WebServerInitializedEvent event) {
    if (event.getApplicationContext().getServerNamespace() != null || !running || dialer != null) {
      return;
    }
    wanted.put(ForwardName.NODE, new Target("127.0.0.1", event.getWebServer().getPort()));
    Thread thread = new Thread(this::dialLoop, "gateway-tunnel");
    thread.setDaemon(true);
    dialer = thread;
    thread.start();
  }

  private void dialLoop() {
    Duration delay = FIRST_DELAY;
    while (running) {
      CountDownLatch closed = new CountDownLatch(1);
      try {
        Tunnel opened = client.connect(settings.host(), settings.port(), settings.connectTimeout());
        opened.whenClosed(closed::countDown);
        synchronized (forwarding) {
          restore(opened);
          tunnel = opened;
        }
        log.info("tunnel to the gateway {}:{} open ({}), {} forwards", settings.host(), settings.port(), opened.cipher(), wanted.size());
        delay = FIRST_DELAY;
        closed.await();
        tunnel = null;
        events.publishEvent(new Closed());
        if (running) {
          log.warn("tunnel to the gateway closed; dialing again");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (IOException | RuntimeException e) {
        tunnel = null;
        if (running) {
          log.warn("cannot open the tunnel to the gateway {}:{} ({}: {}); again in about {} ms", settings.host(), settings.port(),
              e.getClass().getSimpleName(), e.getMessage(), delay.toMillis());
        }
      }
      if (!sleep(jittered(delay))) {
        return;
      }
      delay = delay.multipliedBy(2).compareTo(settings.maxReconnectDelay()) > 0 ? settings.maxReconnectDelay() : delay.multipliedBy(2);
    }
  }

  // The node's API first: the gateway routes it before anything else comes back.
  private void restore(Tunnel opened) throws IOException {
    Target api = wanted.get(ForwardName.NODE);
    opened.forward(ForwardName.NODE, api.host(), api.port());
    for (Map.Entry<ForwardName, Target> forward : wanted.entrySet()) {
      if (forward.getKey() instanceof ForwardName.Node) {
        continue;
      }
      try {
        opened.forward(forward.getKey(), forward.getValue().host(), forward.getValue().port());
      } catch (IOException e) {
        // The job ended while the tunnel was down, or its name is no longer this node's.
        wanted.remove(forward.getKey(), forward.getValue());
        log.warn("a service forward was not restored: the gateway refused it");
      }
    }
  }

  private static Duration jittered(Duration delay) {
    long millis = delay.toMillis();
    return Duration.ofMillis(millis / 2 + ThreadLocalRandom.current().nextLong(millis / 2 + 1));
  }

  private boolean sleep(Duration delay) {
    try {
      TimeUnit.MILLISECONDS.sleep(delay.toMillis());
      return running;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public void stop() {
    running = false;
    Thread thread = dialer;
    if (thread != null) {
      thread.interrupt();
    }
    Tunnel current = tunnel;
    if (current != null) {
      current.close();
    }
    TunnelClient currentClient = client;
    if (currentClient != null) {
      try {
        currentClient.close();
      } catch (IOException e) {
        log.warn("tunnel client did not stop cleanly ({})", e.getClass().getSimpleName());
      }
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  // Stopped after the job worker and the web server: draining jobs' owners still reach them through it.
  @Override
  public int getPhase() {
    return Integer.MAX_VALUE - 4096;
  }

  @Override
  public Health health() {
    return isConnected() ? Health.up().build()
        : Health.down().withDetail("reason", "no tunnel to the gateway: nothing can reach this node").build();
  }

  private record Target(String host, int port) {}

  /** The gateway refused a forward. */
  public static final class TunnelException extends RuntimeException {
    TunnelException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
