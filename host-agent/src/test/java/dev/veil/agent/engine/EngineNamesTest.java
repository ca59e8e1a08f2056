package dev.veil.agent.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.id.RandomIds;
import org.junit.jupiter.api.Test;

class EngineNamesTest {

  final String job = RandomIds.next();
  final String node = RandomIds.next();
  final String otherNode = RandomIds.next();

  @Test
  void twoNodesOnOneEngineNameTheSameJobsNetworkBridgeAndVolumesApart() {
    assertThat(JobNetworks.name(node, job)).isNotEqualTo(JobNetworks.name(otherNode, job)).startsWith("veil-" + job + "-");
    assertThat(JobNetworks.bridge(node, job)).isNotEqualTo(JobNetworks.bridge(otherNode, job));
    assertThat(EngineNames.volume(node, job, "data")).isNotEqualTo(EngineNames.volume(otherNode, job, "data"))
        .endsWith("-data");
  }

  @Test
  void oneNodeNamesAJobAlikeEveryTimeAndTwoJobsApart() {
    assertThat(JobNetworks.name(node, job)).isEqualTo(JobNetworks.name(node, job));
    assertThat(JobNetworks.bridge(node, job)).isEqualTo(JobNetworks.bridge(node, job))
        .isNotEqualTo(JobNetworks.bridge(node, RandomIds.next()));
  }

  @Test
  void theBridgeIsAnInterfaceNameTheVeilFirewallRuleCovers() {
    // At most 15 characters (IFNAMSIZ - 1), matched by `-i veil+`.
    assertThat(JobNetworks.bridge(node, job)).matches("veil[0-9a-f]{11}");
  }
}
