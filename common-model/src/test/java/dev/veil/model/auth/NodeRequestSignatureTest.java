package dev.veil.model.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.auth.NodeRequestSignature.Verdict;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeRequestSignatureTest {

  private static final KeyPair NODE = Ed25519.generate();
  private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
  private static final Duration SKEW = Duration.ofSeconds(60);
  private static final byte[] BODY = "{\"sessionId\":\"x\"}".getBytes(StandardCharsets.UTF_8);

  private static NodeRequestSignature signed() {
    return NodeRequestSignature.sign(NODE, "session-service", "POST", "/v1/sessions/validate", BODY, NOW);
  }

  @Test
  void aSignedRequestVerifies() {
    NodeRequestSignature sig = signed();

    assertThat(sig.nodeId()).isEqualTo(Ed25519.id(NODE.getPublic()));
    assertThat(sig.verify("session-service", "POST", "/v1/sessions/validate", BODY, NOW.plusSeconds(30), SKEW))
        .isEqualTo(Verdict.VALID);
  }

  @Test
  void anyChangeToTheRequestBreaksTheSignature() {
    NodeRequestSignature sig = signed();

    assertThat(sig.verify("job-market", "POST", "/v1/sessions/validate", BODY, NOW, SKEW)).isEqualTo(Verdict.BAD_SIGNATURE);
    assertThat(sig.verify("session-service", "PUT", "/v1/sessions/validate", BODY, NOW, SKEW)).isEqualTo(Verdict.BAD_SIGNATURE);
    assertThat(sig.verify("session-service", "POST", "/v1/sessions/validate?x=1", BODY, NOW, SKEW)).isEqualTo(Verdict.BAD_SIGNATURE);
    assertThat(sig.verify("session-service", "POST", "/v1/sessions/validate", "{}".getBytes(), NOW, SKEW)).isEqualTo(Verdict.BAD_SIGNATURE);
  }

  @Test
  void anotherNodeCannotClaimTheSignature() {
    NodeRequestSignature sig = signed();
    NodeRequestSignature claimed = new NodeRequestSignature(Ed25519.id(Ed25519.generate().getPublic()),
        sig.timestamp(), sig.nonce(), sig.signature());

    assertThat(claimed.verify("session-service", "POST", "/v1/sessions/validate", BODY, NOW, SKEW)).isEqualTo(Verdict.BAD_SIGNATURE);
  }

  @Test
  void oldOrFutureTimestampsAreStale() {
    NodeRequestSignature sig = signed();

    assertThat(sig.verify("session-service", "POST", "/v1/sessions/validate", BODY, NOW.plusSeconds(61), SKEW)).isEqualTo(Verdict.STALE);
    assertThat(sig.verify("session-service", "POST", "/v1/sessions/validate", BODY, NOW.minusSeconds(61), SKEW)).isEqualTo(Verdict.STALE);
  }

  @Test
  void headersRoundTripAndBrokenHeadersAreMalformed() {
    NodeRequestSignature sig = signed();
    Map<String, String> headers = new HashMap<>(sig.headers());
    assertThat(NodeRequestSignature.fromHeaders(headers::get)).contains(sig);
    assertThat(NodeRequestSignature.isPresent(headers::get)).isTrue();

    headers.put(NodeRequestSignature.TIMESTAMP_HEADER, "yesterday");
    assertThat(NodeRequestSignature.fromHeaders(headers::get)).isEmpty();
    assertThat(NodeRequestSignature.isPresent(Map.<String, String>of()::get)).isFalse();

    NodeRequestSignature badKey = new NodeRequestSignature("nope", NOW.toEpochMilli(), sig.nonce(), sig.signature());
    assertThat(badKey.verify("session-service", "POST", "/v1/sessions/validate", BODY, NOW, SKEW)).isEqualTo(Verdict.MALFORMED);
  }
}
