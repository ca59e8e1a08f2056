package dev.veil.agent.support;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A call made again and again at a fixed interval, the way every periodic task of the agent runs:
 * ticks that come while the previous call still runs are dropped, not queued, and a call that
 * fails is handed to {@code onError} and the next tick calls again. Neither a slow moment nor an
 * error ends the loop; only disposing of its subscription does.
 */
public final class Periodic {

  private Periodic() {
  }

  /**
   * Calls {@code call} after {@code firstDelay}, then every {@code interval}; emits what each
   * call emits.
   */
  public static <T> Flux<T> every(Duration firstDelay, Duration interval, Supplier<? extends Publisher<T>> call,
      Consumer<Throwable> onError) {
    return Flux.interval(firstDelay, interval)
        .onBackpressureDrop()
        .concatMap(tick -> Flux.defer(call).onErrorResume(error -> {
          onError.accept(error);
          return Mono.empty();
        }));
  }

  /** {@link #every(Duration, Duration, Supplier, Consumer)}, the first call at once. */
  public static <T> Flux<T> every(Duration interval, Supplier<? extends Publisher<T>> call, Consumer<Throwable> onError) {
    return every(Duration.ZERO, interval, call, onError);
  }
}
