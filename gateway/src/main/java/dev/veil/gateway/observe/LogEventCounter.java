package dev.veil.gateway.observe;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The {@code logback.events} counters (by {@code level}), as Micrometer's {@code LogbackMetrics}
 * names them, counted by an appender on the root logger instead of a turbo filter. Logback asks
 * every turbo filter on every level check — each {@code isDebugEnabled()} Reactor Netty and MINA
 * make, a dozen per proxied request, events or not — which cost the data plane's event loops
 * 2.6 % of their time (docs/benchmarks.md); an appender runs only for an event that is logged.
 * Counts what reaches the root logger's appenders: lines of a logger that does not pass them up
 * (the access log) are not counted; requests have their own timers.
 */
final class LogEventCounter extends AppenderBase<ILoggingEvent> implements AutoCloseable {

  static final String NAME = "logback.events";

  private final Logger root;
  private final Counter error;
  private final Counter warn;
  private final Counter info;
  private final Counter debug;
  private final Counter trace;

  private LogEventCounter(Logger root, MeterRegistry registry) {
    this.root = root;
    this.error = counter(registry, "error");
    this.warn = counter(registry, "warn");
    this.info = counter(registry, "info");
    this.debug = counter(registry, "debug");
    this.trace = counter(registry, "trace");
  }

  /** Counts the context's events from now on, until closed. */
  static LogEventCounter attach(LoggerContext context, MeterRegistry registry) {
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    LogEventCounter counter = new LogEventCounter(root, registry);
    counter.setContext(context);
    counter.setName("veil-log-event-counter");
    counter.start();
    root.addAppender(counter);
    return counter;
  }

  private static Counter counter(MeterRegistry registry, String level) {
    return Counter.builder(NAME)
        .tag("level", level)
        .description("Number of log events that were enabled by the effective log level")
        .baseUnit("events")
        .register(registry);
  }

  @Override
  protected void append(ILoggingEvent event) {
    switch (event.getLevel().toInt()) {
      case Level.ERROR_INT -> error.increment();
      case Level.WARN_INT -> warn.increment();
      case Level.INFO_INT -> info.increment();
      case Level.DEBUG_INT -> debug.increment();
      case Level.TRACE_INT -> trace.increment();
      default -> { } // OFF and ALL are thresholds, never an event's level
    }
  }

  @Override
  public void close() {
    root.detachAppender(this);
    stop();
  }
}
