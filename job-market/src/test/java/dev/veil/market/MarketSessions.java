package dev.veil.market;

import dev.veil.model.id.RandomIds;
import dev.veil.testsupport.ServiceProcess;
import java.util.Map;
import org.springframework.test.context.DynamicPropertyRegistry;

/** The real session-service, as its own process on the tests' Redis, with the market configured to use it. */
public final class MarketSessions {

  private MarketSessions() {}

  /** Starts session-service on {@code redisUrl}, knowing the market by a fresh token, and points the market at it. */
  public static ServiceProcess start(String redisUrl, DynamicPropertyRegistry registry) {
    return start(redisUrl, registry, Map.of());
  }

  /** The same, with {@code settings} (environment variables) added to session-service's. */
  public static ServiceProcess start(String redisUrl, DynamicPropertyRegistry registry, Map<String, String> settings) {
    String token = "market-token-" + RandomIds.next();
    Map<String, String> environment = new java.util.HashMap<>(settings);
    environment.putAll(Map.of("VEIL_REDIS_URL", redisUrl, "VEIL_SESSION_SERVICETOKENS_JOBMARKET", token));
    ServiceProcess sessionService = ServiceProcess.start("session-service", environment);
    registry.add("veil.market.sessions.url", sessionService::baseUrl);
    registry.add("veil.market.sessions.token", () -> token);
    return sessionService;
  }
}
