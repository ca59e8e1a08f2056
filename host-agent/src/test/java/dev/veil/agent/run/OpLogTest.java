package dev.veil.agent.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.model.result.LogEntry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpLogTest {

  @TempDir
  Path dir;

  @Test
  void linesPastTheMemoryLimitAreSpooledToDiskAndNothingIsLost() throws Exception {
    Path spool = dir.resolve("job/0.spool");
    try (OpLog log = new OpLog(10, spool)) {
      for (int i = 0; i < 25; i++) {
        log.add(new LogEntry("stdout", "line " + i, i));
      }
      List<String> all = new ArrayList<>();
      log.forEach(entry -> all.add(entry.log()));
      assertThat(spool).exists();
      assertThat(all).hasSize(25).startsWith("line 0").endsWith("line 24");
      assertThat(log.size()).isEqualTo(25);
    }
    assertThat(spool).doesNotExist();
  }

  @Test
  void longLinesGoToTheSpoolOnceTheMemoryBudgetOfCharactersIsSpentAndStayInOrder() throws Exception {
    Path spool = dir.resolve("job/long.spool");
    try (OpLog log = new OpLog(1000, 250, spool)) {
      log.add(new LogEntry("stdout", "a".repeat(100), 0));
      log.add(new LogEntry("stdout", "b".repeat(100), 1));
      assertThat(spool).as("200 characters fit in memory").doesNotExist();
      log.add(new LogEntry("stdout", "c".repeat(100), 2));
      log.add(new LogEntry("stdout", "d", 3));
      assertThat(spool).as("the third would pass 250 characters: it and every later one are spooled").exists();
      List<String> all = new ArrayList<>();
      log.forEach(entry -> all.add(entry.log().substring(0, 1)));
      assertThat(all).containsExactly("a", "b", "c", "d");
    }
  }

  @Test
  void theSpoolHoldsNoLineInClearAndOnlyTheAgentsUserMayReadIt() throws Exception {
    Path spool = dir.resolve("job/0.spool");
    try (OpLog log = new OpLog(1, spool)) {
      log.add(new LogEntry("stdout", "in memory", 0));
      for (int i = 0; i < 50; i++) {
        log.add(new LogEntry("stdout", "secret output " + i, i));
      }
      log.forEach(entry -> { });  // flushes the spool

      String onDisk = new String(Files.readAllBytes(spool), StandardCharsets.ISO_8859_1);
      assertThat(onDisk).doesNotContain("secret").doesNotContain("stdout");
      assertThat(Files.getPosixFilePermissions(spool)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
      assertThat(Files.getPosixFilePermissions(spool.getParent())).isEqualTo(PosixFilePermissions.fromString("rwx------"));
    }
  }

  @Test
  void aSpoolChangedOnDiskFailsLoudlyInsteadOfYieldingAlteredLines() throws Exception {
    Path spool = dir.resolve("job/0.spool");
    try (OpLog log = new OpLog(1, spool)) {
      log.add(new LogEntry("stdout", "memory", 0));
      log.add(new LogEntry("stdout", "spooled", 1));
      log.forEach(entry -> { });
      byte[] bytes = Files.readAllBytes(spool);
      bytes[bytes.length - 1] ^= 1;
      Files.write(spool, bytes);

      assertThatThrownBy(() -> log.forEach(entry -> { })).hasMessageContaining("does not open");
    }
  }

  @Test
  void publishedEntriesAreCutWithANote() {
    try (OpLog log = new OpLog(10, dir.resolve("1.spool"))) {
      for (int i = 0; i < 12; i++) {
        log.add(new LogEntry("stdout", "l" + i, i));
      }
      List<LogEntry> cut = log.entries(5, Long.MAX_VALUE);
      assertThat(cut).hasSize(6);
      assertThat(cut.get(5).type()).isEqualTo(LogEntry.NODEERR);
      assertThat(cut.get(5).log()).isEqualTo("7 more log lines were not included");
    }
  }

  @Test
  void publishedEntriesStopAtTheCharacterBudgetToo() {
    try (OpLog log = new OpLog(2, dir.resolve("2.spool"))) {
      for (int i = 0; i < 10; i++) {
        log.add(new LogEntry("stdout", "x".repeat(100), i));
      }
      List<LogEntry> cut = log.entries(1_000, 350);
      assertThat(cut).hasSize(5);
      assertThat(cut.subList(0, 4)).allMatch(e -> e.log().length() == 100);
      assertThat(cut.get(4).log()).isEqualTo("6 more log lines were not included");
    }
  }
}
