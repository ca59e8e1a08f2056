package dev.veil.session;

import dev.veil.testsupport.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.veil.model.auth.Ed25519;
import dev.veil.model.auth.NodeRequestSignature;
import dev.veil.model.id.RandomIds;
import dev.veil.model.json.VeilJson;
import dev.veil.model.session.SessionRequest;
import dev.veil.model.session.SessionResponse;
import dev.veil.model.session.SessionSummary;
import dev.veil.model.session.ValidationRequest;
import dev.veil.model.session.ValidationResponse;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The whole session lifecycle and every refusal, against the real service on a real port and a
 * real Redis: one server ({@link SessionServiceIT}) or a three-primary cluster
 * ({@link SessionServiceOnClusterIT}), the same tests.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "veil.session.service-tokens.job-market=" + SessionServiceBehaviour.SERVICE_TOKEN,
    "veil.session.failed-lookups.limit=1000"})
@Import(TestClockConfig.class)
abstract class SessionServiceBehaviour {

  static final String SERVICE_TOKEN = "job-market-token-0123456789abcdef";

  /** The store the service runs on, as a test reads it. */
  abstract RedisClusterCommands<String, String> redis();

  @LocalServerPort
  int port;

  @Autowired
  MutableClock clock;

  WebTestClient http;
  SessionApi api;
  final KeyPair alice = Ed25519.generate();
  final KeyPair bob = Ed25519.generate();
  final KeyPair nodeX = Ed25519.generate();
  final KeyPair nodeY = Ed25519.generate();
  final String job = RandomIds.next();

  @BeforeEach
  void setUp() {
    http = WebTestClient.bindToServer().baseUrl("http://localhost:" + port).build();
    api = new SessionApi(http);
  }

  @AfterEach
  void resetClock() {
    clock.reset();
  }

  private ValidationResponse asNode(KeyPair node, String sessionId, String jobId) {
    return api.validateAsNode(node, sessionId, jobId, clock.instant())
        .expectStatus().isOk().expectBody(ValidationResponse.class).returnResult().getResponseBody();
  }

  private ValidationResponse asService(String sessionId, String jobId) {
    return api.validateAsService(SERVICE_TOKEN, sessionId, jobId)
        .expectStatus().isOk().expectBody(ValidationResponse.class).returnResult().getResponseBody();
  }

  private static String id(KeyPair key) {
    return Ed25519.id(key.getPublic());
  }

  private static void isProblem(WebTestClient.ResponseSpec response, int status, String type) {
    response.expectStatus().isEqualTo(status)
        .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
        .expectBody()
        .jsonPath("$.status").isEqualTo(status)
        .jsonPath("$.type").isEqualTo("https://veil.dev/problems/" + type)
        .jsonPath("$.trace").doesNotExist();
  }

  // --- requests no endpoint serves -------------------------------------------------------------------------

  @Test
  void anUnknownPathIs401WithoutCredentialsAnd404WithThem() {
    isProblem(http.get().uri("/v1/nonexistent").exchange(), 401, "unauthorized");
    SessionResponse session = api.login(alice);
    isProblem(http.get().uri("/v1/nonexistent").header("x-session-id", session.sessionId()).exchange(), 404, "not-found");
  }

  @Test
  void thePublicLoginPathsAnswerEveryoneAsTheyAre() {
    isProblem(http.get().uri("/v1/challenges/nonexistent").exchange(), 404, "not-found");
    http.get().uri("/v1/challenges").exchange()
        .expectStatus().isEqualTo(405).expectHeader().valueEquals("Allow", "OPTIONS,POST");
    http.options().uri("/v1/challenges").exchange()
        .expectStatus().isOk().expectHeader().value("Allow", allow -> assertThat(allow).contains("POST"));
    isProblem(http.post().uri("/v1/challenges").accept(MediaType.TEXT_PLAIN)
        .bodyValue(Map.of("publicKey", id(alice))).exchange(), 406, "not-acceptable");
    isProblem(http.post().uri("/v1/challenges").contentType(MediaType.TEXT_PLAIN).bodyValue("{}").exchange(),
        415, "unsupported-media-type");
  }

  // --- lifecycle ---------------------------------------------------------------------------------------------

  @Test
  void fullLifecycleWithRealSignatures() {
    long before = clock.millis();
    SessionResponse session = api.login(alice, job, id(nodeX), 600L);

    assertThat(RandomIds.isWellFormed(session.sessionId())).isTrue();
    assertThat(session.owner()).isEqualTo(id(alice));
    assertThat(session.jobId()).isEqualTo(job);
    assertThat(session.nodeId()).isEqualTo(id(nodeX));
    assertThat(session.expiresAt()).isCloseTo(before + 600_000L, within(5_000L));

    assertThat(asNode(nodeX, session.sessionId(), job))
        .isEqualTo(ValidationResponse.valid(session.owner(), session.expiresAt(), job, id(nodeX)));

    http.delete().uri("/v1/sessions/current").header("x-session-id", session.sessionId())
        .exchange().expectStatus().isNoContent();
    assertThat(asNode(nodeX, session.sessionId(), job)).isEqualTo(ValidationResponse.INVALID);
  }

  @Test
  void sessionsAreStoredUnderTheirHandleWithATtlAndNeverUnderTheId() {
    SessionResponse session = api.login(alice, null, null, 120L);
    List<String> keys = redis().keys("veil:*");

    assertThat(keys).noneMatch(key -> key.contains(session.sessionId()));
    String sessionKey = "veil:{session}:s:" + dev.veil.model.session.SessionHandles.of(session.sessionId());
    assertThat(keys).contains(sessionKey, "veil:{session}:owner:" + id(alice));
    assertThat(redis().pttl(sessionKey)).isBetween(100_000L, 120_000L);
    assertThat(redis().hget(sessionKey, "owner")).isEqualTo(id(alice));
  }

  @Test
  void ttlReallyExpiresInRedis() {
    SessionResponse session = api.login(alice, null, null, 1L);
    String sessionKey = "veil:{session}:s:" + dev.veil.model.session.SessionHandles.of(session.sessionId());

    // Real time, not the test clock: this proves Redis itself drops the session.
    Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
        .until(() -> redis().exists(sessionKey) == 0);
    clock.reset();
    assertThat(asService(session.sessionId(), null)).isEqualTo(ValidationResponse.INVALID);
  }

  @Test
  void anExpiredSessionIsInvalidEvenBeforeRedisDropsIt() {
    SessionResponse session = api.login(alice, null, null, 60L);
    assertThat(asService(session.sessionId(), null).valid()).isTrue();

    clock.advance(Duration.ofSeconds(61));

    assertThat(asService(session.sessionId(), null)).isEqualTo(ValidationResponse.INVALID);
  }

  @Test
  void ownerListsSessionsByHandleAndRevokesOneOrAll() {
    SessionResponse main = api.login(alice);
    SessionResponse scoped = api.login(alice, job, null, null);
    SessionResponse other = api.login(bob);

    List<SessionSummary> listed = http.get().uri("/v1/sessions").header("x-session-id", main.sessionId())
        .exchange().expectStatus().isOk().expectBodyList(SessionSummary.class).returnResult().getResponseBody();
    assertThat(listed).hasSize(2);
    assertThat(listed).noneMatch(s -> s.handle().equals(main.sessionId()) || s.handle().equals(scoped.sessionId()));
    assertThat(listed).filteredOn(SessionSummary::current).singleElement()
        .satisfies(s -> assertThat(s.jobId()).isNull());
    String scopedHandle = listed.stream().filter(s -> job.equals(s.jobId())).findFirst().orElseThrow().handle();

    http.delete().uri("/v1/sessions/{h}", scopedHandle).header("x-session-id", main.sessionId())
        .exchange().expectStatus().isNoContent();
    assertThat(asService(scoped.sessionId(), job)).isEqualTo(ValidationResponse.INVALID);

    // Someone else's handle is "not found", exactly like a handle that does not exist.
    String bobsHandle = dev.veil.model.session.SessionHandles.of(other.sessionId());
    isProblem(http.delete().uri("/v1/sessions/{h}", bobsHandle).header("x-session-id", main.sessionId()).exchange(), 404, "not-found");
    isProblem(http.delete().uri("/v1/sessions/{h}", "nothing").header("x-session-id", main.sessionId()).exchange(), 404, "not-found");
    assertThat(asService(other.sessionId(), null).valid()).isTrue();

    SessionResponse second = api.login(alice);
    http.delete().uri("/v1/sessions").header("x-session-id", main.sessionId())
        .exchange().expectStatus().isOk().expectBody().jsonPath("$.revoked").isEqualTo(2);
    assertThat(asService(main.sessionId(), null)).isEqualTo(ValidationResponse.INVALID);
    assertThat(asService(second.sessionId(), null)).isEqualTo(ValidationResponse.INVALID);
    assertThat(asService(other.sessionId(), null).valid()).isTrue();
  }

  @Test
  void aScopedSessionCanRevokeOnlyItself() {
    SessionResponse main = api.login(alice);
    SessionResponse scoped = api.login(alice, job, id(nodeX), null);

    isProblem(http.get().uri("/v1/sessions").header("x-session-id", scoped.sessionId()).exchange(), 403, "forbidden");
    isProblem(http.delete().uri("/v1/sessions").header("x-session-id", scoped.sessionId()).exchange(), 403, "forbidden");
    assertThat(asService(main.sessionId(), null).valid()).isTrue();

    http.delete().uri("/v1/sessions/current").header("x-session-id", scoped.sessionId()).exchange().expectStatus().isNoContent();
    assertThat(asNode(nodeX, scoped.sessionId(), job)).isEqualTo(ValidationResponse.INVALID);
  }

  // --- login refusals ----------------------------------------------------------------------------------------

  @Test
  void aBadSignatureIsRefused() {
    String challenge = api.challenge(alice).challenge();
    String wrong = SessionApi.sign(alice, challenge + "x");

    isProblem(api.trade(new SessionRequest(id(alice), challenge, wrong, null, null, null)), 401, "unauthorized");
  }

  @Test
  void theScopeAndLifetimeAreSignedSoWhoeverPassesTheLoginOnCannotWidenOrLengthenIt() {
    String scoped = api.challenge(alice).challenge();
    String signedForJob = SessionApi.sign(alice, scoped, job, id(nodeX), 300L);
    isProblem(api.trade(new SessionRequest(id(alice), scoped, signedForJob, null, null, null)), 401, "unauthorized");

    String longer = api.challenge(alice).challenge();
    isProblem(api.trade(new SessionRequest(id(alice), longer, SessionApi.sign(alice, longer, job, id(nodeX), 300L),
        job, id(nodeX), 3_600L)), 401, "unauthorized");

    String asSigned = api.challenge(alice).challenge();
    api.trade(new SessionRequest(id(alice), asSigned, SessionApi.sign(alice, asSigned, job, id(nodeX), 300L), job, id(nodeX), 300L))
        .expectStatus().isCreated();
  }

  @Test
  void anotherKeysSignatureIsRefused() {
    String challenge = api.challenge(alice).challenge();

    isProblem(api.trade(new SessionRequest(id(alice), challenge, SessionApi.sign(bob, challenge), null, null, null)), 401, "unauthorized");
    // Nor can bob take alice's challenge with his own key and signature.
    String another = api.challenge(alice).challenge();
    isProblem(api.trade(new SessionRequest(id(bob), another, SessionApi.sign(bob, another), null, null, null)), 401, "unauthorized");
  }

  @Test
  void aChallengeIsSingleUseEvenAfterAFailedAttempt() {
    String challenge = api.challenge(alice).challenge();
    SessionRequest good = new SessionRequest(id(alice), challenge, SessionApi.sign(alice, challenge), null, null, null);

    api.trade(good).expectStatus().isCreated();
    isProblem(api.trade(good), 401, "unauthorized");

    String burnt = api.challenge(alice).challenge();
    isProblem(api.trade(new SessionRequest(id(alice), burnt, SessionApi.sign(bob, burnt), null, null, null)), 401, "unauthorized");
    isProblem(api.trade(new SessionRequest(id(alice), burnt, SessionApi.sign(alice, burnt), null, null, null)), 401, "unauthorized");
  }

  @Test
  void anExpiredChallengeIsRefused() {
    String challenge = api.challenge(alice).challenge();
    clock.advance(Duration.ofSeconds(61));

    isProblem(api.trade(new SessionRequest(id(alice), challenge, SessionApi.sign(alice, challenge), null, null, null)), 401, "unauthorized");
  }

  @Test
  void malformedLoginFieldsAreAllListed() {
    http.post().uri("/v1/sessions").contentType(MediaType.APPLICATION_JSON)
        .bodyValue(Map.of("publicKey", "not-a-key", "challenge", "short", "signature", "0OIl",
            "jobId", "bad job", "nodeId", "nope", "ttlSeconds", 999_999))
        .exchange()
        .expectStatus().isBadRequest()
        .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
        .expectBody()
        .jsonPath("$.type").isEqualTo("https://veil.dev/problems/invalid-request")
        .jsonPath("$.violations[*].path").isEqualTo(List.of("/publicKey", "/challenge", "/signature", "/jobId", "/nodeId", "/ttlSeconds"));
  }

  @Test
  void aTtlAboveTheCapIsRefused() {
    String challenge = api.challenge(alice).challenge();
    api.trade(new SessionRequest(id(alice), challenge, SessionApi.sign(alice, challenge), null, null, 86_401L))
        .expectStatus().isBadRequest()
        .expectBody().jsonPath("$.violations[0].message").isEqualTo("must be between 1 and 86400");
  }

  @Test
  void unknownFieldsAndBrokenJsonAre400SayingWhere() {
    http.post().uri("/v1/challenges").contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"publicKey\": \"" + id(alice) + "\", \"admin\": true}")
        .exchange().expectStatus().isBadRequest()
        .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
        .expectBody()
        .jsonPath("$.type").isEqualTo("https://veil.dev/problems/malformed-request")
        .jsonPath("$.pointer").isEqualTo("/admin");

    http.post().uri("/v1/challenges").contentType(MediaType.APPLICATION_JSON).bodyValue("{\"publicKey\": ")
        .exchange().expectStatus().isBadRequest()
        .expectBody().jsonPath("$.detail").value(detail -> assertThat((String) detail).startsWith("not valid JSON"));
  }

  @Test
  void aMalformedPublicKeyIsRefusedForAChallenge() {
    http.post().uri("/v1/challenges").contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("publicKey", "abc"))
        .exchange().expectStatus().isBadRequest()
        .expectBody().jsonPath("$.violations[0].path").isEqualTo("/publicKey");
  }

  @Test
  void hugeBodiesAre413() {
    String huge = "{\"publicKey\": \"" + "a".repeat(64 * 1024) + "\"}";
    isProblem(http.post().uri("/v1/challenges").contentType(MediaType.APPLICATION_JSON).bodyValue(huge).exchange(), 413, "body-too-large");
    isProblem(api.sendSigned(NodeRequestSignature.sign(nodeX, "session-service", "POST", "/v1/sessions/validate",
        huge.getBytes(), clock.instant()), huge.getBytes()), 413, "body-too-large");
  }

  // --- validation and scope ----------------------------------------------------------------------------------

  @Test
  void aJobScopedSessionIsValidForThatJobOnly() {
    SessionResponse session = api.login(alice, job, null, null);

    assertThat(asNode(nodeX, session.sessionId(), job).valid()).isTrue();
    assertThat(asNode(nodeX, session.sessionId(), RandomIds.next())).isEqualTo(ValidationResponse.INVALID);
    assertThat(asNode(nodeX, session.sessionId(), null)).isEqualTo(ValidationResponse.INVALID);
  }

  @Test
  void aNodeScopedSessionPresentedByAnotherNodeIsInvalid() {
    SessionResponse session = api.login(alice, job, id(nodeX), null);

    assertThat(asNode(nodeY, session.sessionId(), job)).isEqualTo(ValidationResponse.INVALID);
    // A trusted service never satisfies a node scope either.
    assertThat(asService(session.sessionId(), job)).isEqualTo(ValidationResponse.INVALID);
    assertThat(asNode(nodeX, session.sessionId(), job).valid()).isTrue();
  }

  @Test
  void aNodeCannotClaimAnotherNodesIdentity() {
    SessionResponse session = api.login(alice, job, id(nodeX), null);
    byte[] body = VeilJson.write(new ValidationRequest(session.sessionId(), job, null));
    NodeRequestSignature byY = NodeRequestSignature.sign(nodeY, "session-service", "POST", "/v1/sessions/validate", body, clock.instant());
    NodeRequestSignature claimsX = new NodeRequestSignature(id(nodeX), byY.timestamp(), byY.nonce(), byY.signature());

    isProblem(api.sendSigned(claimsX, body), 401, "unauthorized");
  }

  @Test
  void aForgedNodeSignatureIsRefused() {
    SessionResponse session = api.login(alice);
    byte[] signedBody = VeilJson.write(new ValidationRequest(session.sessionId(), null, null));
    NodeRequestSignature signature = NodeRequestSignature.sign(nodeX, "session-service", "POST", "/v1/sessions/validate", signedBody, clock.instant());
    byte[] otherBody = VeilJson.write(new ValidationRequest(session.sessionId(), job, null));

    isProblem(api.sendSigned(signature, otherBody), 401, "unauthorized");
    // Signed for another service: not valid here.
    NodeRequestSignature forMarket = NodeRequestSignature.sign(nodeX, "job-market", "POST", "/v1/sessions/validate", signedBody, clock.instant());
    isProblem(api.sendSigned(forMarket, signedBody), 401, "unauthorized");
  }

  @Test
  void aReplayedNodeSignatureIsRefused() {
    SessionResponse session = api.login(alice);
    byte[] body = VeilJson.write(new ValidationRequest(session.sessionId(), null, null));
    NodeRequestSignature signature = NodeRequestSignature.sign(nodeX, "session-service", "POST", "/v1/sessions/validate", body, clock.instant());

    api.sendSigned(signature, body).expectStatus().isOk();
    isProblem(api.sendSigned(signature, body), 401, "unauthorized");
  }

  @Test
  void aStaleNodeSignatureIsRefused() {
    SessionResponse session = api.login(alice);

    isProblem(api.validateAsNode(nodeX, session.sessionId(), null, clock.instant().minusSeconds(120)), 401, "unauthorized");
  }

  @Test
  void unknownAndMalformedSessionIdsLookTheSameAsRevokedOnes() {
    assertThat(asNode(nodeX, RandomIds.next(), job)).isEqualTo(ValidationResponse.INVALID);
    assertThat(asNode(nodeX, "not a session", job)).isEqualTo(ValidationResponse.INVALID);
    api.validateAsNode(nodeX, RandomIds.next(), job, clock.instant()).expectBody().json("{\"valid\": false}", true);
  }

  @Test
  void aMalformedJobIdIsTheCallersMistake() {
    api.validateAsNode(nodeX, RandomIds.next(), "not a job", clock.instant())
        .expectStatus().isBadRequest()
        .expectBody().jsonPath("$.violations[0].path").isEqualTo("/jobId");
  }

  @Test
  void validationNeedsANodeOrAServiceCredential() {
    SessionResponse session = api.login(alice);
    WebTestClient.RequestBodySpec validate = http.post().uri("/v1/sessions/validate").contentType(MediaType.APPLICATION_JSON);

    isProblem(validate.bodyValue(new ValidationRequest(session.sessionId(), null, null)).exchange(), 401, "unauthorized");
    isProblem(api.validateAsService("wrong-token-0123456789abcdef", session.sessionId(), null), 401, "unauthorized");
    // A client's own session is no credential for validation.
    isProblem(http.post().uri("/v1/sessions/validate").contentType(MediaType.APPLICATION_JSON)
        .header("x-session-id", session.sessionId())
        .bodyValue(new ValidationRequest(session.sessionId(), null, null)).exchange(), 403, "forbidden");
    assertThat(asService(session.sessionId(), null).valid()).isTrue();
  }

  @Test
  void listingWithoutASessionIs401() {
    isProblem(http.get().uri("/v1/sessions").exchange(), 401, "unauthorized");
    isProblem(http.get().uri("/v1/sessions").header("x-session-id", RandomIds.next()).exchange(), 401, "unauthorized");
  }

  // --- operations --------------------------------------------------------------------------------------------

  @Test
  void healthIncludesRedisAndMetricsCountOutcomes() {
    http.get().uri("/actuator/health").exchange().expectStatus().isOk()
        .expectBody().jsonPath("$.status").isEqualTo("UP").jsonPath("$.components.redis.status").isEqualTo("UP");

    double before = issued();
    api.login(alice);
    assertThat(issued()).isEqualTo(before + 1);
    http.get().uri("/actuator/metrics/veil.sessions.validated?tag=outcome:failed").exchange().expectStatus().isOk();
  }

  private double issued() {
    return http.get().uri("/actuator/metrics/veil.sessions.issued").exchange().expectStatus().isOk()
        .expectBody(Map.class).returnResult().getResponseBody().get("measurements") instanceof List<?> m
        ? ((Number) ((Map<?, ?>) m.get(0)).get("value")).doubleValue() : -1;
  }

  @Test
  void openApiDescribesThePublicEndpoints() {
    http.get().uri("/v3/api-docs").exchange().expectStatus().isOk()
        .expectBody()
        .jsonPath("$.paths['/v1/challenges'].post").exists()
        .jsonPath("$.paths['/v1/sessions'].post").exists()
        .jsonPath("$.paths['/v1/sessions/validate'].post").exists();
  }
}
