package dev.veil.agent.logistics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.agent.config.TestAgentProperties;
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
    PrivateStore store = new PrivateStore(TestAgentProperties.of(dir, ""));
    store.write("job", ResultVault.RESULT, out -> out.write(result.getBytes(StandardCharsets.UTF_8)));
    ResultVault vault = new ResultVault(store);
    vault.expect("job");
    return vault;
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
