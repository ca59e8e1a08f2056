package dev.veil.testsupport;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Enforces {@link RequiresRedisServer}. */
final class RedisServerCondition implements BeforeAllCallback {

  @Override
  public void beforeAll(ExtensionContext context) {
    LocalRedis.requireInstalled("Redis run as processes");
  }
}
