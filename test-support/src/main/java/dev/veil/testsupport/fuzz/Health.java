package dev.veil.testsupport.fuzz;

import java.io.IOException;

/** The service's own verdict on itself after a fuzz run. */
public final class Health {

  private Health() {}

  /** Throws unless {@code GET <managementUrl>/actuator/health} answers 200 with status UP. */
  public static void assertUp(String managementUrl) throws IOException {
    try (RawHttpClient http = RawHttpClient.to(managementUrl)) {
      FuzzResponse health = http.send(FuzzRequest.of("GET", "/actuator/health").withHeader("Accept", "application/json"));
      if (health.status() != 200 || !health.bodyText().contains("\"status\":\"UP\"")) {
        throw new AssertionError("not healthy after the run: " + health);
      }
    }
  }
}
