package dev.veil.session.session;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

/** {@code veil.sessions.issued}, {@code veil.sessions.validated{outcome=ok|failed}}, {@code veil.sessions.revoked}. */
@Component
public class SessionMetrics {

  private final Counter issued;
  private final Counter validatedOk;
  private final Counter validatedFailed;
  private final Counter revoked;

  public SessionMetrics(MeterRegistry registry) {
    this.issued = Counter.builder("veil.sessions.issued").description("sessions issued").register(registry);
    this.validatedOk = Counter.builder("veil.sessions.validated").tag("outcome", "ok")
        .description("session validations").register(registry);
    this.validatedFailed = Counter.builder("veil.sessions.validated").tag("outcome", "failed")
        .description("session validations").register(registry);
    this.revoked = Counter.builder("veil.sessions.revoked").description("sessions revoked").register(registry);
  }

  public void issued() {
    issued.increment();
  }

  public void validated(boolean ok) {
    (ok ? validatedOk : validatedFailed).increment();
  }

  public void revoked(long count) {
    revoked.increment(count);
  }
}
