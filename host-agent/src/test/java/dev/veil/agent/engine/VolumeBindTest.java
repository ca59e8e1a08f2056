package dev.veil.agent.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class VolumeBindTest {

  @Test
  void aVolumeTheJobMadeIsMountedAtAnAbsolutePath() {
    assertThat(new VolumeBind("veil-3fk2j8s9a1bc-data", "/data")).extracting(VolumeBind::volume).isEqualTo("veil-3fk2j8s9a1bc-data");
  }

  @Test
  void aHostPathIsNeverASource() {
    for (String source : new String[] {"/etc", "/", "./here", "../up", "~/home", "veil-x-../../etc", "a/b", ".hidden", ""}) {
      assertThatThrownBy(() -> new VolumeBind(source, "/data")).as(source).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("only volumes the job created can be mounted");
    }
  }

  @Test
  void aDestinationCannotSmuggleMountOptionsOrCoverTheRoot() {
    for (String destination : new String[] {"data", "/", "/data:/etc", "/data:rw", "/data,readonly"}) {
      assertThatThrownBy(() -> new VolumeBind("veil-x-data", destination)).as(destination)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
