package dev.veil.agent.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.model.HostConfig;
import dev.veil.agent.config.TestAgentProperties;
import dev.veil.model.job.ContainerLimits;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host's limits (2 GB, 1 CPU, 1,024 processes by default), or less where an op asks for less. */
class ContainerConfinementTest {

  @TempDir
  Path dir;

  ContainerConfinement confinement() {
    return new ContainerConfinement(TestAgentProperties.of(dir, ""));
  }

  @Test
  void anOpThatAsksForNothingGetsTheHostsLimits() {
    ContainerConfinement.Limits limits = confinement().limitsFor(null);

    HostConfig host = confinement().apply(HostConfig.newHostConfig(), limits);
    assertThat(host.getMemory()).isEqualTo(2L << 30);
    assertThat(host.getMemorySwap()).isEqualTo(2L << 30);
    assertThat(host.getNanoCPUs()).isEqualTo(1_000_000_000L);
    assertThat(host.getPidsLimit()).isEqualTo(1024L);
    assertThat(host.getSecurityOpts()).containsExactly("no-new-privileges");
    assertThat(limits.memory()).isEqualTo("2 GiB");
  }

  @Test
  void anOpMayAskForLessOfEachAndKeepsTheHostsForTheRest() {
    ContainerConfinement.Limits limits = confinement().limitsFor(new ContainerLimits("256m", null, 100L));

    assertThat(limits).isEqualTo(new ContainerConfinement.Limits(256L << 20, 1_000_000_000L, 100));
    assertThat(confinement().limitsFor(new ContainerLimits(null, 0.5, null)).nanoCpus()).isEqualTo(500_000_000L);
  }

  @Test
  void anOpThatAsksForMoreIsRefusedSayingWhatTheHostGives() {
    assertThatThrownBy(() -> confinement().limitsFor(new ContainerLimits("3g", null, null)))
        .hasMessage("this op asks for 3 GiB of memory; this host gives each container at most 2 GiB");
    assertThatThrownBy(() -> confinement().limitsFor(new ContainerLimits(null, 2.0, null)))
        .hasMessage("this op asks for 2.0 CPUs; this host gives each container at most 1.0");
    assertThatThrownBy(() -> confinement().limitsFor(new ContainerLimits(null, null, 5000L)))
        .hasMessage("this op asks for 5000 processes; this host gives each container at most 1024");
  }

  @Test
  void limitsThatWouldMeanNoLimitAtAllAreRefusedEvenIfTheMarketLetThemThrough() {
    assertThatThrownBy(() -> confinement().limitsFor(new ContainerLimits("0", null, null)))
        .hasMessage("this op's memory limit is not a size of at least 6m");
    assertThatThrownBy(() -> confinement().limitsFor(new ContainerLimits("lots", null, null)))
        .hasMessage("this op's memory limit is not a size of at least 6m");
    assertThatThrownBy(() -> confinement().limitsFor(new ContainerLimits(null, 0.0, null)))
        .hasMessage("this op's CPU limit must be at least 0.01");
    assertThatThrownBy(() -> confinement().limitsFor(new ContainerLimits(null, null, -1L)))
        .hasMessage("this op's process limit must be at least 8");
  }
}
