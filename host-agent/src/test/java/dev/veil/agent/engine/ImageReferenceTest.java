package dev.veil.agent.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ImageReferenceTest {

  @Test
  void anUntaggedImageMeansLatest() {
    assertThat(ImageReference.withDefaultTag("ubuntu")).isEqualTo("ubuntu:latest");
    assertThat(ImageReference.withDefaultTag("library/ubuntu")).isEqualTo("library/ubuntu:latest");
    assertThat(ImageReference.withDefaultTag("docker.io/library/nginx")).isEqualTo("docker.io/library/nginx:latest");
  }

  @Test
  void aRegistryPortIsNotMistakenForATag() {
    assertThat(ImageReference.withDefaultTag("localhost:5000/team/app")).isEqualTo("localhost:5000/team/app:latest");
    assertThat(ImageReference.withDefaultTag("127.0.0.1:5000/app:1.2")).isEqualTo("127.0.0.1:5000/app:1.2");
  }

  @Test
  void aTagOrADigestIsKeptAsGiven() {
    String digest = "sha256:" + "a".repeat(64);
    assertThat(ImageReference.withDefaultTag("ubuntu:22.04")).isEqualTo("ubuntu:22.04");
    assertThat(ImageReference.withDefaultTag("ubuntu@" + digest)).isEqualTo("ubuntu@" + digest);
    assertThat(ImageReference.withDefaultTag("ghcr.io/o/app:1@" + digest)).isEqualTo("ghcr.io/o/app:1@" + digest);
  }

  @Test
  void anEmptyReferenceIsRefused() {
    assertThatThrownBy(() -> ImageReference.withDefaultTag(" ")).isInstanceOf(IllegalArgumentException.class);
  }
}
