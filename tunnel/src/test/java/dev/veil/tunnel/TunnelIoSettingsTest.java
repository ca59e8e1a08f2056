package dev.veil.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.core.CoreModuleProperties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TunnelIoSettingsTest {

  // As MINA maps a setting's name to a system property (SyspropsMapWrapper); values in milliseconds.
  private static final String READ_TIMEOUT_PROPERTY = "org.apache.sshd.config." + CoreModuleProperties.NIO2_READ_TIMEOUT.getName();

  @AfterEach
  void clearSystemProperty() {
    System.clearProperty(READ_TIMEOUT_PROPERTY);
  }

  @Test
  void theManagerHoldsEverySettingReadPerReadOrWriteWithTheValueItHadBefore() {
    SshClient client = SshClient.setUpDefaultClient();
    assertThat(client.getProperties()).doesNotContainKeys(CoreModuleProperties.NIO2_READ_TIMEOUT.getName(),
        CoreModuleProperties.NIO2_MIN_WRITE_TIMEOUT.getName());

    TunnelIoSettings.hold(client);

    assertThat(client.getProperties()).containsKeys(CoreModuleProperties.NIO2_READ_TIMEOUT.getName(),
        CoreModuleProperties.NIO2_MIN_WRITE_TIMEOUT.getName());
    assertThat(CoreModuleProperties.NIO2_READ_TIMEOUT.getRequired(client))
        .isEqualTo(CoreModuleProperties.NIO2_READ_TIMEOUT.getRequiredDefault());
    assertThat(CoreModuleProperties.NIO2_MIN_WRITE_TIMEOUT.getRequired(client))
        .isEqualTo(CoreModuleProperties.NIO2_MIN_WRITE_TIMEOUT.getRequiredDefault());
  }

  @Test
  void aSystemPropertySetBeforeIsKeptAndNoLongerLookedUpAfter() {
    System.setProperty(READ_TIMEOUT_PROPERTY, "7000");
    SshClient client = SshClient.setUpDefaultClient();

    TunnelIoSettings.hold(client);
    System.setProperty(READ_TIMEOUT_PROPERTY, "9000");

    // Found on the client now: the system properties are not read again.
    assertThat(CoreModuleProperties.NIO2_READ_TIMEOUT.getRequired(client)).isEqualTo(Duration.ofSeconds(7));
  }

  @Test
  void aValueSetOnTheManagerIsKept() {
    SshClient client = SshClient.setUpDefaultClient();
    CoreModuleProperties.NIO2_MIN_WRITE_TIMEOUT.set(client, Duration.ofSeconds(3));

    TunnelIoSettings.hold(client);

    assertThat(CoreModuleProperties.NIO2_MIN_WRITE_TIMEOUT.getRequired(client)).isEqualTo(Duration.ofSeconds(3));
  }
}
