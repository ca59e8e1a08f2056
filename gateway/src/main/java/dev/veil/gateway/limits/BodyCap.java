package dev.veil.gateway.limits;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;
import org.springframework.core.io.buffer.DataBufferLimitException;
import reactor.core.publisher.Flux;

/**
 * A request body's cap, for a body whose size is not declared (chunked): counted as it passes
 * and cut off at the cap, so no upstream receives more; the error maps to a 413 problem. For the
 * filter chain's buffers ({@link RequestBodyLimit}) and the direct path's (Netty's own).
 */
public final class BodyCap {

  private BodyCap() {}

  /**
   * {@code body} as it passes, failing with {@link #tooLarge} once more than {@code maxBytes}
   * came; the buffer that crossed the cap is released, never passed on.
   */
  public static <T> Flux<T> counted(Flux<T> body, long maxBytes, ToIntFunction<T> size, Consumer<T> release) {
    return Flux.defer(() -> {
      AtomicLong seen = new AtomicLong();
      return body.handle((buffer, sink) -> {
        if (seen.addAndGet(size.applyAsInt(buffer)) > maxBytes) {
          release.accept(buffer);
          sink.error(tooLarge(maxBytes));
        } else {
          sink.next(buffer);
        }
      });
    });
  }

  public static DataBufferLimitException tooLarge(long maxBytes) {
    return new DataBufferLimitException("request body over " + maxBytes + " bytes");
  }
}
