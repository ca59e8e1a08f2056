package dev.veil.testsupport;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.opentest4j.TestAbortedException;
import org.testcontainers.DockerClientFactory;

/** Enforces {@link RequiresContainerEngine}: skip on a laptop without an engine, fail in CI. */
final class ContainerEngineCondition implements BeforeAllCallback {

  static final String HOW_TO = "no container engine reachable (Docker, or Podman's API socket via DOCKER_HOST); "
      + "run the tests with ./veil test, which sets one up";

  @Override
  public void beforeAll(ExtensionContext context) {
    if (DockerClientFactory.instance().isDockerAvailable()) {
      return;
    }
    if (isCi(System.getenv("CI"))) {
      throw new IllegalStateException("CI=true: " + HOW_TO + " (a skipped container test is not a passing one)");
    }
    throw new TestAbortedException(HOW_TO);
  }

  static boolean isCi(String value) {
    return value != null && !value.isBlank() && !"false".equalsIgnoreCase(value) && !"0".equals(value);
  }
}
