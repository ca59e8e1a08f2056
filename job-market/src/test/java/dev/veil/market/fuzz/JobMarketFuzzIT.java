package dev.veil.market.fuzz;

import dev.veil.market.MarketSessions;
import dev.veil.model.auth.Ed25519;
import dev.veil.testsupport.ClientLogin;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import dev.veil.testsupport.ServiceProcess;
import dev.veil.testsupport.fuzz.ForAll;
import dev.veil.testsupport.fuzz.FuzzRequest;
import dev.veil.testsupport.fuzz.FuzzResponse;
import dev.veil.testsupport.fuzz.FuzzSettings;
import dev.veil.testsupport.fuzz.Health;
import dev.veil.testsupport.fuzz.LiveSessions;
import dev.veil.testsupport.fuzz.RawHttpClient;
import dev.veil.testsupport.fuzz.ServiceAnswers;
import dev.veil.testsupport.fuzz.ServiceRequests;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * Generated requests of every shape against the real market on a real port, real Redis and the
 * real session-service: none may get a 5xx or a trace of the code, every refusal with a body is a
 * problem, and the market is healthy afterwards. {@code -Dveil.fuzz.tries=N} runs more,
 * {@code -Dveil.fuzz.seed=S} replays a run.
 */
@RequiresContainerEngine
@Testcontainers
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    // A valid claim on an empty queue waits this long, not 20 s.
    "veil.market.max-claim-wait=PT0.1S"})
class JobMarketFuzzIT {

  /** Fits the CI's time; see the README for running more. */
  static final int TRIES = 10_000;

  @Container
  @ServiceConnection(name = "redis")
  static final GenericContainer<?> redis = RedisContainers.redis();

  static ServiceProcess sessionService;

  @DynamicPropertySource
  static void sessionService(DynamicPropertyRegistry registry) {
    // Garbage sessions are most of what the market asks about: 429 would hide what lies behind it.
    sessionService = MarketSessions.start(RedisContainers.uri(redis), registry,
        Map.of("VEIL_SESSION_FAILEDLOOKUPS_LIMIT", "100000000"));
  }

  @AfterAll
  static void stopSessionService() {
    sessionService.close();
  }

  @LocalServerPort
  int port;

  @Test
  void everyRequestIsAnsweredWithoutA5xxOrATraceAndTheMarketStaysHealthy() throws Exception {
    String baseUrl = "http://localhost:" + port;
    ClientLogin login = new ClientLogin(sessionService.baseUrl());
    LiveSessions sessions = new LiveSessions(() -> login.sessionId(Ed25519.generate()));
    KnownIds known = new KnownIds();
    ServiceRequests requests = ServiceRequests.to(MarketRoutes.all())
        .sessions(sessions)
        .nodeKey(Ed25519.generate(), "job-market")
        .knownIds(known::all)
        .queryNames("waitSeconds");

    try (RawHttpClient http = RawHttpClient.to(baseUrl)) {
      ForAll.inputs(requests).simplifiedBy(FuzzRequest::simpler).check("job-market",
          FuzzSettings.fromSystemProperties(TRIES), request -> {
            FuzzResponse response = http.send(request);
            known.learnFrom(response);
            return ServiceAnswers.check(request, response);
          });
    }
    Health.assertUp(baseUrl);
  }
}
