package dev.veil.gateway.tunnel;

import dev.veil.gateway.registry.RegistryTarget;
import dev.veil.service.problem.ProblemException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import java.time.Duration;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientRequest;
import reactor.util.context.Context;

/**
 * Lets a request routed to one of this replica's forwards go out only while its name is still
 * routed to that forward's port, checked once its connection is in hand and before a byte of it is
 * written.
 *
 * <p>Why: a name is routed to a port between the listener's bind and its unbind ({@link LocalForwards}
 * is told after the one and before the other), and once unbound the kernel may give the port to the
 * next forward, another node's. A request routed just before its forward closed could otherwise
 * connect just after that, and reach the next holder's tunnel ({@link ForwardPools} covers the
 * connections already open). If the name is still routed to the port once the connection exists, the
 * listener that accepted it was that name's: the port was bound to it from before the check until
 * after it. A request that fails the check is answered as a refused connection is (503, to ask
 * again), and its connection is closed, never pooled.
 *
 * <p>The route rides in the request's Reactor context ({@link #routedTo}); {@link #guarding} adds the
 * check to a client. Requests without a route (to another replica, to the market) are not checked.
 */
public final class ForwardGuard {

  private static final Object KEY = ForwardGuard.class;
  private static final StackTraceElement[] NO_FRAMES = new StackTraceElement[0];

  private final LocalForwards forwards;
  private final Counter refused;

  public ForwardGuard(LocalForwards forwards, MeterRegistry meters) {
    this.forwards = forwards;
    this.refused = Counter.builder("veil.gateway.tunnel.forwards.stale-routes")
        .description("requests not sent because their forward closed between routing and connecting")
        .register(meters);
  }

  /** A request to {@code kind} {@code id} on this replica's forward at {@code port}. */
  public record Route(RegistryTarget.Kind kind, String id, int port) {

    /** The route of a target held here; null for one another replica holds (nothing to check here). */
    public static Route of(RegistryTarget target) {
      return target.isRelay() ? null : new Route(target.kind(), target.id(), target.base().getPort());
    }

    /** {@code context} with this route in it, for the request subscribed under it. */
    public Context into(Context context) {
      return context.put(KEY, this);
    }
  }

  /** {@code context} with {@code route} in it; unchanged for no route (a request to another replica). */
  public static Context routedTo(Context context, Route route) {
    return route == null ? context : route.into(context);
  }

  /** {@code client} with the check: each request whose context holds a {@link Route} is checked before it is sent. */
  public HttpClient guarding(HttpClient client) {
    return client.doOnRequest(this::check);
  }

  private void check(HttpClientRequest request, Connection connection) {
    Route route = request.currentContextView().getOrDefault(KEY, null);
    if (route != null && !forwards.isRouted(route.kind(), route.id(), route.port())) {
      refused.increment();
      // Thrown before the request is written: Reactor Netty fails the request with it (and logs it at
      // WARN, as any request's failure), then gives the connection back to its pool. Closed right after,
      // on its loop: it may have reached another forward's listener. A request that takes it from the
      // pool in between is checked as this one was, against its own route to this port. (Closed before
      // the throw, the request would wait on a connection gone without an answer. The channel is taken
      // now: once given back, the request's operations no longer name it.)
      Channel channel = connection.channel();
      channel.eventLoop().execute(channel::close);
      ProblemException refusal = ProblemException.upstreamUnavailable("the tunnel's forward closed before the request reached it",
          Duration.ofSeconds(5));
      // Reactor Netty logs it with its stack, forty lines of its own frames: one line says it all.
      refusal.setStackTrace(NO_FRAMES);
      throw refusal;
    }
  }
}
