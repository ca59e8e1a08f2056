package dev.veil.testsupport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test that runs Redis as processes ({@link RedisCluster}, {@link RedisSentinel}): without
 * {@code redis-server} and {@code redis-cli}, skipped with a reason on a laptop, a failure with
 * {@code CI=true}. Checked before the Spring context (and its {@code @DynamicPropertySource})
 * is made, so a laptop's skip is a skip, not a context that failed to load.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RedisServerCondition.class)
public @interface RequiresRedisServer {}
