package dev.veil.gateway.observe;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggerContextListener;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The {@code logback.events} counters (by {@code level}), as Micrometer's {@code LogbackMetrics}
 * names them, counted by an appender on the root logger instead of a turbo filter. Logback asks
 * every turbo filter on every level check — each {@code isDebugEnabled()} Reactor Netty and MINA
 * make, a dozen per proxied request, events or not — 3.4 % of the data plane's event loops' samples
 * (docs/benchmarks.md); an appender runs only for an event that is logged, and takes no lock (the
 * counters are thread-safe). Counts what reaches the root logger's appenders: lines of a logger
 * that does not pass them up (the access log) are not counted; requests have their own timers.
 * Survives a reset of the logging context (another application context starting in the same JVM,
 * a reconfiguration), which detaches every appender: it attaches itself again.
 */
final class LogEventCounter extends UnsynchronizedAppenderBase<ILoggingEvent>
    implements LoggerContextListener, AutoCloseable {

  static final String NAME = "logback.events";

  private final LoggerContext context;
  private final Logger root;
  private volatile boolean closed;
  private final Counter error;
  private final Counter warn;
  private final Counter info;
  private final Counter debug;
  private final Counter trace;

  private LogEventCounter(LoggerContext context, MeterRegistry registry) {
    this.context = context;
    this.root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    this.error = counter(registry, "error");
    this.warn = counter(registry, "warn");
    this.info = counter(registry, "info");
    this.debug = counter(registry, "debug");
    this.trace = counter(registry, "trace");
  }

  /** Counts the context's events from now on, until closed. */
  static LogEventCounter attach(LoggerContext context, MeterRegistry registry) {
    LogEventCounter counter = new LogEventCounter(context, registry);
    counter.setContext(context);
    counter.setName("veil-log-event-counter");
    context.addListener(counter);
    counter.attach();
    return counter;
  }

  private void attach() {
    start();
    root.addAppender(this);
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
  public boolean isResetResistant() {
    return true;
  }

  @Override
  public void onReset(LoggerContext reset) {
    // The reset has detached and stopped every appender, this one too.
    if (!closed) {
      attach();
    }
  }

  @Override
  public void onStart(LoggerContext started) {}

  @Override
  public void onStop(LoggerContext stopped) {}

  @Override
  public void onLevelChange(Logger logger, Level level) {}

  @Override
  public void close() {
    closed = true;
    context.removeListener(this);
    root.detachAppender(this);
    stop();
  }
}
