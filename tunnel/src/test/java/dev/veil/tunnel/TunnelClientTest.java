package dev.veil.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPairGenerator;
import java.time.Duration;
import org.apache.sshd.common.Property;
import org.junit.jupiter.api.Test;

class TunnelClientTest {

  @Test
  void theClientHoldsTheSettingsItsSessionsReadPerReadAndWrite() throws Exception {
    try (TunnelClient client = new TunnelClient(KeyPairGenerator.getInstance("Ed25519").generateKeyPair(),
        "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", Duration.ofSeconds(5))) {
      assertThat(client.settings().getProperties())
          .containsKeys(TunnelIoSettings.PER_READ_OR_WRITE.stream().map(Property::getName).toArray(String[]::new));
    }
  }
}
