package dev.veil.testsupport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test that needs a container engine (Docker, or Podman's Docker-compatible socket).
 *
 * <p>Without one, on a laptop the test is skipped with a reason; with {@code CI=true} it fails,
 * because a CI run that skipped its container tests proved nothing. {@code ./veil test} sets the
 * engine up, so this only trips when tests are run some other way.
 *
 * <p>Put it above {@code @Testcontainers}, so the check runs before any container is started.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(ContainerEngineCondition.class)
public @interface RequiresContainerEngine {}
