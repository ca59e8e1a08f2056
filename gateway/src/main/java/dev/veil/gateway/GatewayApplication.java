package dev.veil.gateway;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The one ingress: {@code {id}.node.<domain>} to agents and exposed services, the public APIs on the bare domain.
 * Micrometer's logback binder is left out: its turbo filter is asked on every log level check, a
 * dozen per proxied request; {@code dev.veil.gateway.observe.LogEventCounter} keeps its counters
 * (excluded here, not in a property a profile could replace).
 */
@SpringBootApplication(excludeName = GatewayApplication.LOGBACK_METRICS)
@ConfigurationPropertiesScan
public class GatewayApplication {

  static final String LOGBACK_METRICS =
      "org.springframework.boot.micrometer.metrics.autoconfigure.logging.logback.LogbackMetricsAutoConfiguration";

  public static void main(String[] args) {
    SpringApplication.run(GatewayApplication.class, args);
  }
}
