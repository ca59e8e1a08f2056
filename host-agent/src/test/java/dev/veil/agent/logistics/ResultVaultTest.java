package dev.veil.agent.logistics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.agent.config.TestAgentProperties;
import dev.veil.agent.tunnel.GatewayTunnel;
import dev.veil.model.result.DeliveryReceipt;
import dev.veil.service.problem.ProblemException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class ResultVaultTest {

  @TempDir
  Path dir;

  private ResultVault vault(String result) {
    return vault(result, Duration.ofSeconds(30));
  }

  private ResultVault vault(String result, Duration receiptTimeout) {
    PrivateStore store = new PrivateStore(TestAgentProperties.of(dir, ""));
    store.write("job", ResultVault.RESULT, out -> out.write(result.getBytes(StandardCharsets.UTF_8)));
    ResultVault vault = new ResultVault(store, receiptTimeout, Duration.ofSeconds(2));
    vault.expect("job");
    return vault;
  }

  private static boolean isGone(Throwable e) {
    return ProblemException.hasStatus(e, HttpStatus.GONE);
  }

  @Test
  void aRelayedResultIsCollectedOnlyByItsReceiptAndThenIsGone() {
    ResultVault vault = vault("{\"status\":\"success\"}");
    Mono<ResultVault.Outcome> outcome = vault.hold("job", Duration.ofMinutes(1)).cache();
    outcome.subscribe();
    AtomicReference<String> received = new AtomicReference<>();
    MockServerHttpResponse relayed = receiving(received);

    StepVerifier.create(vault.deliver("job", null, true, relayed)).verifyComplete();

    String token = relayed.getHeaders().getFirst(DeliveryReceipt.TOKEN_HEADER);
    assertThat(received.get()).isEqualTo("{\"status\":\"success\"}");
    assertThat(token).hasSizeGreaterThanOrEqualTo(43);
    StepVerifier.create(outcome.timeout(Duration.ofMillis(200))).expectError(java.util.concurrent.TimeoutException.class).verify();
    assertThat(vault.receipt("job", token.substring(1) + token.charAt(0))).isFalse();
    assertThat(vault.receipt("other", token)).isFalse();
    assertThat(vault.receipt("job", null)).isFalse();

    assertThat(vault.receipt("job", token)).isTrue();

    StepVerifier.create(outcome).expectNext(ResultVault.Outcome.COLLECTED).verifyComplete();
    assertThat(vault.receipt("job", token)).isFalse();
    StepVerifier.create(vault.deliver("job", receiving(new AtomicReference<>()))).expectErrorMatches(ResultVaultTest::isGone).verify();
  }

  @Test
  void aRequestWhileAResultIsInFlightWaitsForTheReceiptAndIsThen410() {
    ResultVault vault = vault("{}");
    vault.hold("job", Duration.ofMinutes(1)).subscribe();
    MockServerHttpResponse relayed = receiving(new AtomicReference<>());
    StepVerifier.create(vault.deliver("job", null, true, relayed)).verifyComplete();
    String token = relayed.getHeaders().getFirst(DeliveryReceipt.TOKEN_HEADER);

    // The owner's next request overtakes the gateway's receipt: it waits for it rather than answer 409.
    Mono<Void> second = vault.deliver("job", receiving(new AtomicReference<>()));
    Mono.delay(Duration.ofMillis(300)).subscribe(t -> vault.receipt("job", token));

    StepVerifier.create(second).expectErrorMatches(ResultVaultTest::isGone).verify(Duration.ofSeconds(5));
  }

  @Test
  void aRelayedResultWithoutAReceiptInTimeIsHeldAgainAndDeliveredAgain() {
    String result = "{\"status\":\"success\",\"pad\":\"" + "y".repeat(100_000) + "\"}";
    ResultVault vault = vault(result, Duration.ofMillis(300));
    Mono<ResultVault.Outcome> outcome = vault.hold("job", Duration.ofMinutes(1)).cache();
    outcome.subscribe();
    MockServerHttpResponse lost = receiving(new AtomicReference<>());
    StepVerifier.create(vault.deliver("job", null, true, lost)).verifyComplete();
    String lostToken = lost.getHeaders().getFirst(DeliveryReceipt.TOKEN_HEADER);

    // Asked again at once: it waits out the receipt's timeout, then gets the result again.
    AtomicReference<String> again = new AtomicReference<>();
    MockServerHttpResponse retried = receiving(again);
    StepVerifier.create(vault.deliver("job", null, true, retried)).verifyComplete(); 

    assertThat(again.get()).isEqualTo(result);
    String token = retried.getHeaders().getFirst(DeliveryReceipt.TOKEN_HEADER);
    assertThat(token).isNotEqualTo(lostToken);
    assertThat(vault.receipt("job", lostToken)).as("the lost delivery's receipt, once another is in flight").isFalse();
    assertThat(vault.receipt("job", token)).isTrue();
    StepVerifier.create(outcome).expectNext(ResultVault.Outcome.COLLECTED).verifyComplete();
  }

  @Test
  void aReceiptThatComesLateStillCollectsAResultHeldAgain() {
    ResultVault vault = vault("{}", Duration.ofMillis(100));
    Mono<ResultVault.Outcome> outcome = vault.hold("job", Duration.ofMinutes(1)).cache();
    outcome.subscribe();
    MockServerHttpResponse relayed = receiving(new AtomicReference<>());
    StepVerifier.create(vault.deliver("job", null, true, relayed)).verifyComplete();
    String token = relayed.getHeaders().getFirst(DeliveryReceipt.TOKEN_HEADER);

    StepVerifier.create(Mono.delay(Duration.ofMillis(400)).then(vault.peek("job"))).verifyComplete();
    assertThat(vault.receipt("job", token)).isTrue();

    StepVerifier.create(outcome).expectNext(ResultVault.Outcome.COLLECTED).verifyComplete();
    StepVerifier.create(vault.peek("job")).expectErrorMatches(ResultVaultTest::isGone).verify();
  }

  @Test
  void aTunnelThatClosesHoldsEveryResultInFlightAgainAtOnce() {
    ResultVault vault = vault("{}", Duration.ofMinutes(1));
    Mono<ResultVault.Outcome> outcome = vault.hold("job", Duration.ofMinutes(1)).cache();
    outcome.subscribe();
    MockServerHttpResponse relayed = receiving(new AtomicReference<>());
    StepVerifier.create(vault.deliver("job", null, true, relayed)).verifyComplete();
    String lateToken = relayed.getHeaders().getFirst(DeliveryReceipt.TOKEN_HEADER);

    vault.onTunnelClosed(new GatewayTunnel.Closed());

    // Held again at once, not a minute later; the receipt of the delivery the tunnel cut still counts.
    StepVerifier.create(vault.peek("job")).verifyComplete();
    assertThat(vault.receipt("job", lateToken)).isTrue();
    StepVerifier.create(outcome).expectNext(ResultVault.Outcome.COLLECTED).verifyComplete();
  }

  @Test
  void aResultWhoseDeadlinePassesWhileARelayWritesItIsNeitherInFlightNorCollectableAfterwards() {
    ResultVault vault = vault("{}", Duration.ofMinutes(1));
    Mono<ResultVault.Outcome> outcome = vault.hold("job", Duration.ofMillis(100)).cache();
    outcome.subscribe();
    MockServerHttpResponse slow = new MockServerHttpResponse();
    slow.setWriteHandler(body -> Mono.delay(Duration.ofMillis(1000)).then(body.doOnNext(DataBufferUtils::release).then()));

    StepVerifier.create(vault.deliver("job", null, true, slow)).verifyComplete();

    StepVerifier.create(outcome).expectNext(ResultVault.Outcome.EXPIRED).verifyComplete();
    assertThat(vault.receipt("job", slow.getHeaders().getFirst(DeliveryReceipt.TOKEN_HEADER))).isFalse();
    // Gone at once: not a 5 s wait on a delivery in flight.
    StepVerifier.create(vault.peek("job")).expectErrorMatches(ResultVaultTest::isGone).verify(Duration.ofSeconds(1));
  }

  @Test
  void aResultDeliveredWithoutAReceiptUntilItsDeadlineEndsUnconfirmedNotUncollected() {
    ResultVault vault = vault("{}", Duration.ofMillis(50));
    Mono<ResultVault.Outcome> outcome = vault.hold("job", Duration.ofMillis(600)).cache();
    outcome.subscribe();
    StepVerifier.create(vault.deliver("job", null, true, receiving(new AtomicReference<>()))).verifyComplete();

    StepVerifier.create(outcome).expectNext(ResultVault.Outcome.UNCONFIRMED).expectComplete().verify(Duration.ofSeconds(5));
  }

  @Test
  void aLateReceiptOfAnEarlierUnconfirmedDeliveryStillCounts() {
    ResultVault vault = vault("{}", Duration.ofMillis(50));
    Mono<ResultVault.Outcome> outcome = vault.hold("job", Duration.ofMinutes(1)).cache();
    outcome.subscribe();
    MockServerHttpResponse first = receiving(new AtomicReference<>());
    StepVerifier.create(vault.deliver("job", null, true, first)).verifyComplete();
    StepVerifier.create(Mono.delay(Duration.ofMillis(300)).then(vault.deliver("job", null, true, receiving(new AtomicReference<>()))))
        .verifyComplete();
    // Both unconfirmed now: the first delivery's receipt, sent again late, collects it.
    StepVerifier.create(Mono.delay(Duration.ofMillis(300)).then(vault.peek("job"))).verifyComplete();

    assertThat(vault.receipt("job", first.getHeaders().getFirst(DeliveryReceipt.TOKEN_HEADER))).isTrue();
    StepVerifier.create(outcome).expectNext(ResultVault.Outcome.COLLECTED).verifyComplete();
  }

  @Test
  void aResultStillInFlightWhenTheWaitRunsOutIsAConflictToRetry() {
    ResultVault vault = vault("{}", Duration.ofMinutes(1));
    vault.hold("job", Duration.ofMinutes(1)).subscribe();
    StepVerifier.create(vault.deliver("job", null, true, receiving(new AtomicReference<>()))).verifyComplete();

    StepVerifier.create(vault.deliver("job", receiving(new AtomicReference<>())))
        .expectErrorMatches(e -> ProblemException.hasStatus(e, HttpStatus.CONFLICT)).verify(Duration.ofSeconds(5));
  }

  /** A connection that takes the first buffer, then breaks. */
  private static MockServerHttpResponse breaking() {
    MockServerHttpResponse response = new MockServerHttpResponse();
    response.setWriteHandler(body -> body.take(1).doOnNext(DataBufferUtils::release)
        .then(Mono.error(new IOException("connection reset by peer"))));
    return response;
  }

  private static MockServerHttpResponse receiving(AtomicReference<String> into) {
    MockServerHttpResponse response = new MockServerHttpResponse();
    response.setWriteHandler(body -> DataBufferUtils.join(body)
        .doOnNext(joined -> into.set(joined.toString(StandardCharsets.UTF_8))).then());
    return response;
  }

  @Test
  void aDeliveryCutOffMidwayLeavesTheResultHeldAndAWholeOneCollectsIt() {
    String result = "{\"status\":\"success\",\"pad\":\"" + "x".repeat(500_000) + "\"}";
    ResultVault vault = vault(result);
    Mono<ResultVault.Outcome> outcome = vault.hold("job", Duration.ofMinutes(1)).cache();
    outcome.subscribe();

    StepVerifier.create(vault.deliver("job", breaking())).expectError(IOException.class).verify();
    StepVerifier.create(vault.peek("job")).verifyComplete();

    AtomicReference<String> received = new AtomicReference<>();
    MockServerHttpResponse whole = receiving(received);
    StepVerifier.create(vault.deliver("job", whole)).verifyComplete();

    assertThat(received.get()).isEqualTo(result);
    assertThat(whole.getHeaders().getContentType()).hasToString("application/json");
    StepVerifier.create(outcome).expectNext(ResultVault.Outcome.COLLECTED).verifyComplete();
    StepVerifier.create(vault.deliver("job", receiving(new AtomicReference<>()))).expectErrorMatches(e -> ProblemException.hasStatus(e, HttpStatus.GONE)).verify();
    StepVerifier.create(vault.peek("job")).expectErrorMatches(e -> ProblemException.hasStatus(e, HttpStatus.GONE)).verify();
  }

  @Test
  void aPeekTakesNothing() {
    ResultVault vault = vault("{}");
    vault.hold("job", Duration.ofMinutes(1)).subscribe();

    StepVerifier.create(vault.peek("job")).verifyComplete();
    StepVerifier.create(vault.peek("job")).verifyComplete();
    AtomicReference<String> received = new AtomicReference<>();
    StepVerifier.create(vault.deliver("job", receiving(received))).verifyComplete();
    assertThat(received.get()).isEqualTo("{}");
  }

  @Test
  void aResultWhoseDeadlinePassedDuringAFailedDeliveryIsNotHeldAgain() {
    ResultVault vault = vault("{}");
    vault.hold("job", Duration.ofMillis(50)).subscribe();
    MockServerHttpResponse slowThenBroken = new MockServerHttpResponse();
    slowThenBroken.setWriteHandler(body -> Mono.delay(Duration.ofMillis(300)).then(Mono.error(new IOException("reset"))));

    StepVerifier.create(vault.deliver("job", slowThenBroken)).expectError(IOException.class).verify();

    StepVerifier.create(vault.peek("job")).expectErrorMatches(e -> ProblemException.hasStatus(e, HttpStatus.GONE)).verify();
    assertThat(vault.knows("job")).isTrue();
  }

  @Test
  void aResultNotYetHeldIsAConflictToRetry() {
    ResultVault vault = vault("{}");

    StepVerifier.create(vault.deliver("job", receiving(new AtomicReference<>()))).expectErrorMatches(e -> ProblemException.hasStatus(e, HttpStatus.CONFLICT)).verify();
    StepVerifier.create(vault.peek("job")).expectErrorMatches(e -> ProblemException.hasStatus(e, HttpStatus.CONFLICT)).verify();
  }
}
