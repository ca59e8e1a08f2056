package dev.veil.session.fuzz;

import dev.veil.model.auth.Ed25519;
import dev.veil.model.session.SessionHandles;
import dev.veil.testsupport.ClientLogin;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import dev.veil.testsupport.fuzz.ForAll;
import dev.veil.testsupport.fuzz.FuzzRequest;
import dev.veil.testsupport.fuzz.FuzzResponse;
import dev.veil.testsupport.fuzz.FuzzSettings;
import dev.veil.testsupport.fuzz.Health;
import dev.veil.testsupport.fuzz.LiveSessions;
import dev.veil.testsupport.fuzz.RawHttpClient;
import dev.veil.testsupport.fuzz.ServiceAnswers;
import dev.veil.testsupport.fuzz.ServiceRequests;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * Generated requests of every shape against the real service on a real port and a real Redis:
 * none may get a 5xx or a trace of the code, every refusal with a body is a problem, and the
 * service is healthy afterwards. {@code -Dveil.fuzz.tries=N} runs more, {@code -Dveil.fuzz.seed=S} replays a run.
 */
@RequiresContainerEngine
@Testcontainers
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "veil.session.service-tokens.job-market=" + SessionServiceFuzzIT.TOKEN,
    // Garbage sessions are most of what validation sees here: 429 would hide what lies behind it.
    "veil.session.failed-lookups.limit=100000000"})
class SessionServiceFuzzIT {

  static final String TOKEN = "job-market-token-0123456789abcdef";
  /** Fits the CI's time (25 to 50 s here); see the README for running more. */
  static final int TRIES = 10_000;

  @Container
  @ServiceConnection(name = "redis")
  static final GenericContainer<?> redis = RedisContainers.redis();

  @LocalServerPort
  int port;

  @Test
  void everyRequestIsAnsweredWithoutA5xxOrATraceAndTheServiceStaysHealthy() throws Exception {
    String baseUrl = "http://localhost:" + port;
    ClientLogin login = new ClientLogin(baseUrl);
    LiveSessions sessions = new LiveSessions(() -> login.sessionId(Ed25519.generate()));
    ServiceRequests requests = ServiceRequests.to(new SessionRoutes(baseUrl, sessions).all())
        .sessions(sessions)
        .nodeKey(Ed25519.generate(), "session-service")
        .serviceToken(TOKEN)
        .knownIds(() -> List.of(SessionHandles.of(sessions.get()), sessions.get(), "jvm.memory.used", "http.server.requests"));

    try (RawHttpClient http = RawHttpClient.to(baseUrl)) {
      ForAll.inputs(requests).simplifiedBy(FuzzRequest::simpler).check("session-service",
          FuzzSettings.fromSystemProperties(TRIES), request -> {
            FuzzResponse response = http.send(request);
            if (request.method().equals("DELETE") && response.status() / 100 == 2) {
              sessions.renew();
            }
            return ServiceAnswers.check(request, response);
          });
    }
    Health.assertUp(baseUrl);
  }
}
