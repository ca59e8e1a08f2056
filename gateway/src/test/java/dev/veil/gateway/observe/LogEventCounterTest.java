package dev.veil.gateway.observe;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class LogEventCounterTest {

  final LoggerContext context = new LoggerContext();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  double count(String level) {
    return registry.get(LogEventCounter.NAME).tag("level", level).counter().count();
  }

  @Test
  void countsEachLoggedEventByItsLevelAndNothingTheLevelTurnsAway() {
    context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(Level.INFO);
    Logger log = context.getLogger("some.component");
    try (LogEventCounter counter = LogEventCounter.attach(context, registry)) {
      log.error("e");
      log.warn("w");
      log.warn("w again");
      log.info("i");
      log.debug("not logged at INFO");
      log.trace("nor this");
      assertThat(count("error")).isEqualTo(1);
      assertThat(count("warn")).isEqualTo(2);
      assertThat(count("info")).isEqualTo(1);
      assertThat(count("debug")).isZero();
      assertThat(count("trace")).isZero();

      log.setLevel(Level.TRACE);
      log.debug("d");
      log.trace("t");
      assertThat(count("debug")).isEqualTo(1);
      assertThat(count("trace")).isEqualTo(1);
    }
    log.error("after close");
    assertThat(count("error")).isEqualTo(1);
  }

  @Test
  void keepsCountingAfterTheLoggingContextIsResetUntilClosed() {
    Logger log = context.getLogger("some.component");
    try (LogEventCounter counter = LogEventCounter.attach(context, registry)) {
      context.reset(); // as a reconfiguration, or another application context starting, does
      log.warn("after a reset");
      assertThat(count("warn")).isEqualTo(1);
      assertThat(counter.isStarted()).isTrue();
    }
    context.reset();
    log.warn("closed");
    assertThat(count("warn")).isEqualTo(1);
    assertThat(context.getCopyOfListenerList()).isEmpty();
  }

  @Test
  void asksNothingOfALevelCheck() {
    try (LogEventCounter counter = LogEventCounter.attach(context, registry)) {
      assertThat(context.getTurboFilterList()).isEmpty();
      assertThat(counter.isStarted()).isTrue();
    }
  }
}
