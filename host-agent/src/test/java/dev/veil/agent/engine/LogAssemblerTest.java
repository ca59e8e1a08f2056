package dev.veil.agent.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogAssemblerTest {

  private final List<LogLine> lines = new ArrayList<>();

  private LogAssembler assembler(int maxLineBytes) {
    return new LogAssembler("stdout", maxLineBytes, lines::add);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private List<String> texts() {
    return lines.stream().map(LogLine::text).toList();
  }

  @Test
  void podmanRecordsWithSecondTimestampsBecomeLinesWithThoseTimes() {
    LogAssembler out = assembler(1024);
    out.accept(bytes("2026-11-29T08:57:29Z a\n"));
    out.accept(bytes("2026-11-29T08:57:30Z b\r\n"));
    out.flush();

    assertThat(texts()).containsExactly("a", "b");
    assertThat(lines.get(0).timestamp()).isEqualTo(Instant.parse("2026-11-29T08:57:29Z").toEpochMilli());
    assertThat(lines.get(1).timestamp()).isEqualTo(Instant.parse("2026-11-29T08:57:30Z").toEpochMilli());
    assertThat(lines).noneMatch(LogLine::continued);
  }

  @Test
  void dockerNanosecondTimestampsAndSeveralRecordsInOneFrameAreRead() {
    LogAssembler out = assembler(1024);
    out.accept(bytes("2026-11-29T08:57:29.123456789Z one\n2026-11-29T08:57:29.500000000Z two\n"));

    assertThat(texts()).containsExactly("one", "two");
    assertThat(lines.get(0).timestamp()).isEqualTo(Instant.parse("2026-11-29T08:57:29.123Z").toEpochMilli());
    assertThat(lines.get(1).timestamp()).isEqualTo(Instant.parse("2026-11-29T08:57:29.500Z").toEpochMilli());
  }

  @Test
  void outputWithoutANewlineContinuesInTheNextRecordAndKeepsItsFirstTimestamp() {
    LogAssembler out = assembler(1024);
    out.accept(bytes("2026-11-29T08:57:29Z no"));
    out.accept(bytes("2026-11-29T08:57:31Z eol\n"));
    out.accept(bytes("2026-11-29T08:57:32Z last, never ended"));
    out.flush();

    assertThat(texts()).containsExactly("noeol", "last, never ended");
    assertThat(lines.get(0).timestamp()).isEqualTo(Instant.parse("2026-11-29T08:57:29Z").toEpochMilli());
  }

  @Test
  void aCharacterSplitAcrossFramesStaysWhole() {
    LogAssembler out = assembler(1024);
    byte[] record = bytes("2026-11-29T08:57:29Z été ✓\n");
    int middleOfE = "2026-11-29T08:57:29Z ".length() + 1;
    out.accept(Arrays.copyOfRange(record, 0, middleOfE));
    out.accept(Arrays.copyOfRange(record, middleOfE, record.length));

    assertThat(texts()).containsExactly("été ✓");
  }

  @Test
  void aLineOverTheMaximumComesInContinuedPartsThatJoinToTheWholeLine() {
    LogAssembler out = assembler(10);
    out.accept(bytes("2026-11-29T08:57:29Z " + "x".repeat(25) + "\n"));

    assertThat(texts()).containsExactly("x".repeat(10), "x".repeat(10), "x".repeat(5));
    assertThat(lines).extracting(LogLine::continued).containsExactly(false, true, true);
    assertThat(lines).extracting(LogLine::timestamp).containsOnly(Instant.parse("2026-11-29T08:57:29Z").toEpochMilli());
  }

  @Test
  void aLineOfExactlyTheMaximumIsOneEntry() {
    LogAssembler out = assembler(10);
    out.accept(bytes("2026-11-29T08:57:29Z " + "y".repeat(10) + "\n"));

    assertThat(texts()).containsExactly("y".repeat(10));
    assertThat(lines.get(0).continued()).isFalse();
  }

  @Test
  void aPartIsNeverCutInsideACharacter() {
    LogAssembler out = assembler(8);
    // "aaaaaaa" + "é" (2 bytes) straddles the 8-byte limit; "✓" is 3 bytes.
    out.accept(bytes("aaaaaaaé✓✓✓b\n"));

    assertThat(String.join("", texts())).isEqualTo("aaaaaaaé✓✓✓b");
    assertThat(texts()).allSatisfy(part -> assertThat(part).doesNotContain("\uFFFD"));
    assertThat(lines).allSatisfy(part -> assertThat(part.text().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(8));
  }

  @Test
  void recordsWithoutATimestampAreKeptAsTheyAre() {
    LogAssembler out = assembler(1024);
    out.accept(bytes("plain text\n2026-not-a-time and more\n"));

    assertThat(texts()).containsExactly("plain text", "2026-not-a-time and more");
    assertThat(lines).extracting(LogLine::timestamp).containsOnly(-1L);
  }

  @Test
  void memoryIsBoundedByTheMaximumWhateverArrivesWithoutANewline() {
    LogAssembler out = assembler(1000);
    byte[] chunk = bytes("z".repeat(8192));
    for (int i = 0; i < 1000; i++) {
      out.accept(chunk);
    }
    out.flush();

    assertThat(lines).hasSize(8192);
    assertThat(lines).allSatisfy(part -> assertThat(part.text()).hasSize(1000));
    assertThat(lines.stream().skip(1)).allMatch(LogLine::continued);
  }
}
