package dev.veil.model.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One exposed port.
 *
 * @param port         the container port
 * @param type         what it serves; null means the default, {@link ExposeType#WEBAPI}
 * @param healthChecks checks that decide when the service is ONLINE; null or empty means a TCP connect
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ExposedPort(
    int port, ExposeType type, @JsonProperty("health_checks") List<HealthCheck> healthChecks) {

  /** A bare port number: default type, no health checks. */
  public static ExposedPort of(int port) {
    return new ExposedPort(port, null, null);
  }

  /** True when this port was written, and is written back, as a bare number. */
  boolean isBare() {
    return type == null && healthChecks == null;
  }
}
