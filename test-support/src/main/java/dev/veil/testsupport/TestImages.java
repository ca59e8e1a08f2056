package dev.veil.testsupport;

import org.testcontainers.utility.DockerImageName;

/**
 * Images the tests run. {@code ./veil test} exports the names it made available (built locally
 * where no registry answers); a laptop with a normal Docker and internet uses the public images.
 */
public final class TestImages {

  private TestImages() {}

  /** Redis: {@code $VEIL_TEST_REDIS_IMAGE}, else {@code redis:7.4-alpine}. */
  public static DockerImageName redis() {
    return DockerImageName.parse(env("VEIL_TEST_REDIS_IMAGE", "redis:7.4-alpine")).asCompatibleSubstituteFor("redis");
  }

  /** Busybox: {@code $VEIL_TEST_BUSYBOX_IMAGE}, else {@code busybox:1.37}. */
  public static DockerImageName busybox() {
    return DockerImageName.parse(env("VEIL_TEST_BUSYBOX_IMAGE", "busybox:1.37")).asCompatibleSubstituteFor("busybox");
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
