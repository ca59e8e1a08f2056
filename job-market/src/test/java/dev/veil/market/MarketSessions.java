package dev.veil.market;

import dev.veil.model.id.RandomIds;
import dev.veil.testsupport.ServiceProcess;
import java.util.Map;
import org.springframework.test.context.DynamicPropertyRegistry;

/** The real session-service, as its own process on the tests' Redis, with the market configured to use it. */
final class MarketSessions {

  private MarketSessions() {}

  /** Starts session-service on {@code redisUrl}, knowing the market by a fresh token, and points the market at it. */
  static ServiceProcess start(String redisUrl, DynamicPropertyRegistry registry) {
    String token = "market-token-" + RandomIds.next();
    ServiceProcess sessionService = ServiceProcess.start("session-service", Map.of(
        "VEIL_REDIS_URL", redisUrl, "VEIL_SESSION_SERVICETOKENS_JOBMARKET", token));
    registry.add("veil.market.sessions.url", sessionService::baseUrl);
    registry.add("veil.market.sessions.token", () -> token);
    return sessionService;
  }
}
