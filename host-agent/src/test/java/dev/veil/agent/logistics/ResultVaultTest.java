package dev.veil.agent.logistics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.agent.config.TestAgentProperties;
import dev.veil.service.problem.ConflictException;
import dev.veil.service.problem.GoneException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class ResultVaultTest {

  @TempDir
  Path dir;

  private final DefaultDataBufferFactory buffers = new DefaultDataBufferFactory();

  private PrivateStore store() {
    return new PrivateStore(TestAgentProperties.of(dir, ""));
  }

  @Test
  void aDeliveryCutOffMidwayLeavesTheResultHeldAndAWholeOneCollectsIt() {
    PrivateStore store = store();
    String result = "{\"status\":\"success\",\"pad\":\"" + "x".repeat(500_000) + "\"}";
    store.write("job", ResultVault.RESULT, out -> out.write(result.getBytes(StandardCharsets.UTF_8)));
    ResultVault vault = new ResultVault(store);
    vault.expect("job");
    Mono<ResultVault.Outcome> outcome = vault.hold("job", Duration.ofMinutes(1)).cache();
    outcome.subscribe();

    // The client went away after the first buffer.
    StepVerifier.create(vault.collect("job", buffers).take(1).doOnNext(DataBufferUtils::release).count()).expectNext(1L).verifyComplete();
    // A second request while none is under way gets it all.
    StepVerifier.create(DataBufferUtils.join(vault.collect("job", buffers)).map(b -> b.toString(StandardCharsets.UTF_8)))
        .expectNext(result)
        .verifyComplete();

    StepVerifier.create(outcome).expectNext(ResultVault.Outcome.COLLECTED).verifyComplete();
    StepVerifier.create(vault.collect("job", buffers)).expectError(GoneException.class).verify();
  }

  @Test
  void aResultNotYetHeldIsAConflictToRetry() {
    ResultVault vault = new ResultVault(store());
    vault.expect("job");

    StepVerifier.create(vault.collect("job", buffers)).expectError(ConflictException.class).verify();
  }
}
