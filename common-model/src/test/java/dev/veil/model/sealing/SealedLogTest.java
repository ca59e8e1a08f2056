package dev.veil.model.sealing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SealedLogTest {

  final byte[] ownerPrivate = Hpke.newPrivateKey();
  final byte[] ownerPublic = Hpke.publicKey(ownerPrivate);
  static final byte[] NODE_PRIVATE = Hpke.newPrivateKey();
  static final byte[] NODE_PUBLIC = Hpke.publicKey(NODE_PRIVATE);
  final byte[] line1 = "{\"opId\":\"a\",\"type\":\"stdout\",\"log\":\"SECRET one\"}".getBytes(StandardCharsets.UTF_8);
  final byte[] line2 = "{\"opId\":\"a\",\"type\":\"stdout\",\"log\":\"SECRET two\"}".getBytes(StandardCharsets.UTF_8);

  @Test
  void eventsOpenInOrderWithTheOwnersKeyOnly() throws Exception {
    SealedLog.Sealer sealer = SealedLog.Sealer.to(ownerPublic, NODE_PRIVATE, "job-1", "node-a");
    String header = new String(sealer.header(), StandardCharsets.US_ASCII);
    String first = new String(sealer.seal("log", "7", line1), StandardCharsets.US_ASCII);
    String second = new String(sealer.seal("log", "8", line2), StandardCharsets.US_ASCII);
    String end = new String(sealer.seal("end", "", "{\"status\":\"success\",\"lines\":8}".getBytes(StandardCharsets.UTF_8)),
        StandardCharsets.US_ASCII);

    assertThat(first + second + end).doesNotContain("SECRET");
    SealedLog.Opener opener = SealedLog.Opener.of(ownerPrivate, NODE_PUBLIC, "job-1", "node-a", header);
    assertThat(opener.open("log", "7", first)).isEqualTo(line1);
    assertThat(opener.open("log", "8", second)).isEqualTo(line2);
    assertThat(new String(opener.open("end", "", end), StandardCharsets.UTF_8)).contains("success");

    assertThatThrownBy(() -> SealedLog.Opener.of(ownerPrivate, NODE_PUBLIC, "job-1", "node-a", header).open("log", "8", second))
        .as("an event dropped: the next one does not open").isInstanceOf(SealedResult.NotOpened.class);
    assertThatThrownBy(() -> SealedLog.Opener.of(ownerPrivate, NODE_PUBLIC, "job-1", "node-a", header).open("log", "9", first))
        .as("another line number").isInstanceOf(SealedResult.NotOpened.class);
    assertThatThrownBy(() -> SealedLog.Opener.of(ownerPrivate, NODE_PUBLIC, "job-2", "node-a", header).open("log", "7", first))
        .as("another job").isInstanceOf(SealedResult.NotOpened.class);
    assertThatThrownBy(() -> SealedLog.Opener.of(Hpke.newPrivateKey(), NODE_PUBLIC, "job-1", "node-a", header).open("log", "7", first))
        .as("another key").isInstanceOf(SealedResult.NotOpened.class);
    SealedLog.Sealer forger = SealedLog.Sealer.to(ownerPublic, Hpke.newPrivateKey(), "job-1", "node-a");
    String forgedHeader = new String(forger.header(), StandardCharsets.US_ASCII);
    String forgedLine = new String(forger.seal("log", "7", line1), StandardCharsets.US_ASCII);
    assertThatThrownBy(() -> SealedLog.Opener.of(ownerPrivate, NODE_PUBLIC, "job-1", "node-a", forgedHeader).open("log", "7", forgedLine))
        .as("sealed by another than the node").isInstanceOf(SealedResult.NotOpened.class);
    assertThatThrownBy(() -> SealedLog.Opener.of(ownerPrivate, NODE_PUBLIC, "job-1", "node-a", "{\"suite\":\"x\"}"))
        .isInstanceOf(SealedResult.NotOpened.class);
    assertThatThrownBy(() -> SealedLog.Opener.of(ownerPrivate, NODE_PUBLIC, "job-1", "node-a", "not json"))
        .isInstanceOf(SealedResult.NotOpened.class);
  }
}
