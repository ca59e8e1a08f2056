package dev.veil.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.cli.CliException;
import dev.veil.cli.ExitCodes;
import org.junit.jupiter.api.Test;

class SessionTtlTest {

  @Test
  void takesSecondsOrADuration() {
    assertThat(SessionCommand.seconds("90")).isEqualTo(90);
    assertThat(SessionCommand.seconds("30m")).isEqualTo(1800);
    assertThat(SessionCommand.seconds("2h")).isEqualTo(7200);
    assertThat(SessionCommand.seconds("1h30m")).isEqualTo(5400);
  }

  @Test
  void refusesAnythingElseAsAUsageError() {
    for (String bad : new String[] {"soon", "-5m", "0", "1.5h", "1d", ""}) {
      assertThatThrownBy(() -> SessionCommand.seconds(bad))
          .isInstanceOf(CliException.class)
          .extracting(e -> ((CliException) e).exitCode()).isEqualTo(ExitCodes.USAGE);
    }
  }
}
