package dev.veil.gateway;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Requests a gateway has timed, by the timer that saw them: WebFlux's server timer counts only
 * requests through the filter chain, the route timer those of a route on either path.
 */
final class RequestTimers {

  private RequestTimers() {}

  /** Requests through WebFlux and the filter chain. */
  static double server(MeterRegistry meters) {
    return meters.find("http.server.requests").timers().stream().mapToDouble(Timer::count).sum();
  }

  /** Requests of the route {@code routeId}, on the direct path or through the chain. */
  static double route(MeterRegistry meters, String routeId) {
    return meters.find("spring.cloud.gateway.requests").tag("routeId", routeId).timers().stream()
        .mapToDouble(Timer::count).sum();
  }
}
