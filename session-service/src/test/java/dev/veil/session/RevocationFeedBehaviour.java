package dev.veil.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.auth.Ed25519;
import dev.veil.model.auth.NodeRequestSignature;
import dev.veil.model.id.RandomIds;
import dev.veil.model.session.SessionHandles;
import dev.veil.model.session.SessionResponse;
import dev.veil.session.session.RevocationKeys;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.Disposable;

/**
 * The revocation feed hosts follow to keep validated sessions a while: a node hears of the
 * revocation of exactly the sessions it validated, heartbeats come through Redis, and a store that
 * lost its data or a notice that went missing makes every node forget all it holds. Real service
 * on a real port, real Redis: one server ({@link RevocationFeedIT}) or a three-primary cluster
 * ({@link RevocationFeedOnClusterIT}), the same tests.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "veil.session.revocation-feed.heartbeat=PT0.2S",
    "veil.session.revocation-feed.max-streams-per-node=2"})
abstract class RevocationFeedBehaviour {

  private static final String FEED = "/v1/sessions/revocations";

  /** The store the service runs on, as a test reads and writes it. */
  abstract RedisClusterCommands<String, String> redis();

  @LocalServerPort
  int port;

  WebTestClient http;
  SessionApi api;
  final KeyPair alice = Ed25519.generate();
  final KeyPair nodeX = Ed25519.generate();
  final KeyPair nodeY = Ed25519.generate();
  final List<Follower> followers = new ArrayList<>();

  @BeforeEach
  void setUp() {
    http = WebTestClient.bindToServer().baseUrl("http://localhost:" + port).build();
    api = new SessionApi(http);
  }

  @AfterEach
  void closeFeeds() {
    followers.forEach(Follower::close);
  }

  @Test
  void aNodeHearsOfTheRevocationOfASessionItValidatedAndNoOtherNodeDoes() throws Exception {
    String job = RandomIds.next();
    SessionResponse session = api.login(alice, job, null, null);
    validate(nodeX, session.sessionId(), job);
    Follower x = follow(nodeX);
    Follower y = follow(nodeY);
    x.next("ping");
    y.next("ping");

    http.delete().uri("/v1/sessions/current").header("x-session-id", session.sessionId()).exchange()
        .expectStatus().isNoContent();

    assertThat(x.next("revoked").data()).isEqualTo(SessionHandles.of(session.sessionId()));
    assertThat(y.seenWithin(Duration.ofSeconds(1), "revoked")).isEmpty();
    assertThat(y.seenWithin(Duration.ofSeconds(1), "ping")).isNotEmpty();
  }

  @Test
  void revokingAllTellsEachNodeOfEachSessionItValidated() throws Exception {
    String job = RandomIds.next();
    SessionResponse forX = api.login(alice, job, Ed25519.id(nodeX.getPublic()), null);
    SessionResponse forY = api.login(alice, job, Ed25519.id(nodeY.getPublic()), null);
    SessionResponse unscoped = api.login(alice, null, null, null);
    validate(nodeX, forX.sessionId(), job);
    validate(nodeY, forY.sessionId(), job);
    Follower x = follow(nodeX);
    Follower y = follow(nodeY);
    x.next("ping");
    y.next("ping");

    http.delete().uri("/v1/sessions").header("x-session-id", unscoped.sessionId()).exchange().expectStatus().isOk();

    assertThat(x.next("revoked").data()).isEqualTo(SessionHandles.of(forX.sessionId()));
    assertThat(y.next("revoked").data()).isEqualTo(SessionHandles.of(forY.sessionId()));
    assertThat(x.seenWithin(Duration.ofMillis(600), "revoked")).isEmpty();
  }

  @Test
  void aSessionRevokedBeforeANodeValidatesItIsInvalidThereAndNothingIsSent() throws Exception {
    String job = RandomIds.next();
    SessionResponse session = api.login(alice, job, null, null);
    Follower x = follow(nodeX);
    x.next("ping");
    http.delete().uri("/v1/sessions/current").header("x-session-id", session.sessionId()).exchange()
        .expectStatus().isNoContent();

    api.validateAsNode(nodeX, session.sessionId(), job, Instant.now()).expectStatus().isOk()
        .expectBody().jsonPath("$.valid").isEqualTo(false);
    assertThat(x.seenWithin(Duration.ofMillis(600), "revoked")).isEmpty();
    assertThat(redis().exists(RevocationKeys.SEEN + SessionHandles.of(session.sessionId()))).isZero();
  }

  @Test
  void aNodeIsNotToldOfASessionItWasRefused() throws Exception {
    String job = RandomIds.next();
    SessionResponse forY = api.login(alice, job, Ed25519.id(nodeY.getPublic()), null);
    // Node X presents a session scoped to node Y: invalid for X, so X is not noted as having seen it.
    api.validateAsNode(nodeX, forY.sessionId(), job, Instant.now()).expectStatus().isOk()
        .expectBody().jsonPath("$.valid").isEqualTo(false);
    // Nor for another job.
    api.validateAsNode(nodeY, forY.sessionId(), RandomIds.next(), Instant.now()).expectStatus().isOk()
        .expectBody().jsonPath("$.valid").isEqualTo(false);
    assertThat(redis().exists(RevocationKeys.SEEN + SessionHandles.of(forY.sessionId()))).isZero();
    Follower x = follow(nodeX);
    x.next("ping");

    http.delete().uri("/v1/sessions/current").header("x-session-id", forY.sessionId()).exchange()
        .expectStatus().isNoContent();

    assertThat(x.seenWithin(Duration.ofMillis(600), "revoked")).isEmpty();
  }

  @Test
  void aStoreThatLostItsDataMakesEveryNodeForgetWhatItHolds() throws Exception {
    Follower x = follow(nodeX);
    x.next("ping");
    redis().flushall();
    x.next("reset");
  }

  @Test
  void aMissedNoticeMakesEveryNodeForgetWhatItHolds() throws Exception {
    Follower x = follow(nodeX);
    x.next("ping");
    assertThat(redis().get(RevocationKeys.EPOCH)).isNotNull();
    // A revocation numbered past the next one, as if this replica had missed one in between; the
    // sequence key moves with it in the same step, so heartbeats after it agree with it and only
    // the gap in the numbers can cause a reset.
    redis().eval("""
        local seq = redis.call('INCRBY', KEYS[2], 2)
        redis.call('PUBLISH', ARGV[1], 'r ' .. redis.call('GET', KEYS[1]) .. ' ' .. seq .. ' somehandle ' .. ARGV[2])
        return seq
        """, io.lettuce.core.ScriptOutputType.INTEGER,
        new String[] {RevocationKeys.EPOCH, RevocationKeys.SEQUENCE}, RevocationKeys.CHANNEL, Ed25519.id(nodeY.getPublic()));
    x.next("reset");
    // And only one: the heartbeats after it agree.
    assertThat(x.seenWithin(Duration.ofMillis(800), "reset")).isEmpty();
  }

  @Test
  void onlyNodesMayFollowAndEachOnlySoOften() throws Exception {
    http.get().uri(FEED).exchange().expectStatus().isUnauthorized()
        .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
    SessionResponse owner = api.login(alice, null, null, null);
    http.get().uri(FEED).header("x-session-id", owner.sessionId()).exchange().expectStatus().isForbidden()
        .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);

    follow(nodeX).next("ping");
    follow(nodeX).next("ping");
    NodeRequestSignature signature = NodeRequestSignature.sign(nodeX, "session-service", "GET", FEED, new byte[0], Instant.now());
    http.get().uri(FEED).accept(MediaType.TEXT_EVENT_STREAM).headers(h -> signature.headers().forEach(h::add)).exchange()
        .expectStatus().isEqualTo(429)
        .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
        .expectHeader().exists("Retry-After");
    // Another node is not held back by this one.
    follow(nodeY).next("ping");
  }

  private void validate(KeyPair node, String sessionId, String job) {
    api.validateAsNode(node, sessionId, job, Instant.now()).expectStatus().isOk()
        .expectBody().jsonPath("$.valid").isEqualTo(true);
  }

  private Follower follow(KeyPair node) {
    Follower follower = new Follower(port, node);
    followers.add(follower);
    return follower;
  }

  /** A node following the feed, over a real HTTP connection, with its own signature. */
  static final class Follower {

    private final BlockingQueue<ServerSentEvent<String>> events = new LinkedBlockingQueue<>();
    private final Disposable subscription;

    Follower(int port, KeyPair node) {
      NodeRequestSignature signature = NodeRequestSignature.sign(node, "session-service", "GET", FEED, new byte[0], Instant.now());
      subscription = WebClient.create("http://localhost:" + port).get().uri(FEED).accept(MediaType.TEXT_EVENT_STREAM)
          .headers(h -> signature.headers().forEach(h::add))
          .retrieve()
          .bodyToFlux(new ParameterizedTypeReference<ServerSentEvent<String>>() {})
          .subscribe(events::add,
              error -> events.add(ServerSentEvent.<String>builder().event("error").data(error.toString()).build()),
              () -> events.add(ServerSentEvent.<String>builder().event("end").build()));
    }

    /** The next event of this type within five seconds, skipping others. */
    ServerSentEvent<String> next(String type) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (System.nanoTime() < deadline) {
        ServerSentEvent<String> event = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (event != null && type.equals(event.event())) {
          return event;
        }
        // A reset nobody caused would make every test pass while hosts kept nothing: none is expected.
        assertThat(event == null ? null : event.event()).as("feed ended early, or reset unexpectedly")
            .isNotIn("error", "end", "reset");
      }
      throw new AssertionError("no " + type + " event within 5 s");
    }

    /** Every event of this type seen within the time. */
    List<ServerSentEvent<String>> seenWithin(Duration time, String type) throws InterruptedException {
      List<ServerSentEvent<String>> seen = new ArrayList<>();
      long deadline = System.nanoTime() + time.toNanos();
      ServerSentEvent<String> event;
      while ((event = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) != null) {
        if (type.equals(event.event())) {
          seen.add(event);
        }
      }
      return seen;
    }

    void close() {
      subscription.dispose();
    }
  }
}
