package dev.veil.agent.sessions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.session.ValidationResponse;
import dev.veil.testsupport.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ValidatedSessionsTest {

  final MutableClock clock = new MutableClock();
  final ValidatedSessions sessions = new ValidatedSessions(
      new SessionCacheProperties(true, 100, Duration.ofMinutes(5), Duration.ofMinutes(1), Duration.ofSeconds(1)),
      clock, new SimpleMeterRegistry());

  ValidationResponse valid(Duration left) {
    return ValidationResponse.valid("owner", clock.millis() + left.toMillis(), "job", null);
  }

  @Test
  void nothingIsKeptBeforeTheFeedIsHeard() {
    long ticket = sessions.ticket();
    sessions.keep("a", valid(Duration.ofHours(1)), ticket);
    sessions.heard();
    assertThat(sessions.find("a")).isEmpty();
  }

  @Test
  void aKeptSessionIsFoundUntilItIsRevoked() {
    sessions.heard();
    sessions.keep("a", valid(Duration.ofHours(1)), sessions.ticket());
    sessions.keep("b", valid(Duration.ofHours(1)), sessions.ticket());
    assertThat(sessions.find("a")).isPresent();

    sessions.revoked("a");

    assertThat(sessions.find("a")).isEmpty();
    assertThat(sessions.find("b")).isPresent();
  }

  @Test
  void aValidationUnderWayWhenAnythingIsRevokedIsNotKept() {
    sessions.heard();
    long ticket = sessions.ticket();
    // The revocation's notice overtakes the validation's answer.
    sessions.revoked("a");
    sessions.keep("a", valid(Duration.ofHours(1)), ticket);
    assertThat(sessions.find("a")).isEmpty();

    long after = sessions.ticket();
    sessions.reset();
    sessions.keep("a", valid(Duration.ofHours(1)), after);
    assertThat(sessions.find("a")).isEmpty();
  }

  @Test
  void aValidationThatOutlivedTheFeedIsNotKeptEvenWhenTheFeedIsBack() {
    sessions.heard();
    long ticket = sessions.ticket();
    sessions.lost();
    sessions.heard();
    sessions.keep("a", valid(Duration.ofHours(1)), ticket);
    assertThat(sessions.find("a")).isEmpty();
  }

  @Test
  void aResetOrTheFeedsEndForgetsEverything() {
    sessions.heard();
    sessions.keep("a", valid(Duration.ofHours(1)), sessions.ticket());
    sessions.reset();
    assertThat(sessions.find("a")).isEmpty();
    assertThat(sessions.trusted()).isTrue();

    sessions.keep("a", valid(Duration.ofHours(1)), sessions.ticket());
    sessions.lost();
    assertThat(sessions.trusted()).isFalse();
    sessions.heard();
    assertThat(sessions.find("a")).isEmpty();
  }

  @Test
  void anExpiredSessionIsNeverUsed() {
    sessions.heard();
    sessions.keep("a", valid(Duration.ofSeconds(30)), sessions.ticket());
    assertThat(sessions.find("a")).isPresent();
    clock.advance(Duration.ofSeconds(31));
    assertThat(sessions.find("a")).isEmpty();
  }

  @Test
  void anInvalidAnswerIsNeverKept() {
    sessions.heard();
    sessions.keep("a", new ValidationResponse(false, null, null, null, null), sessions.ticket());
    assertThat(sessions.find("a")).isEmpty();
  }

  @Test
  void turnedOffItKeepsNothing() {
    ValidatedSessions off = new ValidatedSessions(
        new SessionCacheProperties(false, 100, Duration.ofMinutes(5), Duration.ofMinutes(1), Duration.ofSeconds(1)),
        clock, new SimpleMeterRegistry());
    off.heard();
    off.keep("a", valid(Duration.ofHours(1)), off.ticket());
    assertThat(off.find("a")).isEmpty();
  }
}
