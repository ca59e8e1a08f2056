package dev.veil.agent.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.result.LogEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpLogTest {

  @TempDir
  Path dir;

  @Test
  void linesPastTheMemoryLimitAreSpooledToDiskAndNothingIsLost() throws Exception {
    Path spool = dir.resolve("job/0.jsonl");
    try (OpLog log = new OpLog(10, spool)) {
      for (int i = 0; i < 25; i++) {
        log.add(new LogEntry("stdout", "line " + i, i));
      }
      List<String> all = new ArrayList<>();
      log.forEach(entry -> all.add(entry.log()));
      // Ten lines stayed in memory; the other fifteen are on disk (reading flushed the buffer).
      assertThat(Files.readAllLines(spool)).hasSize(15).first().asString().contains("\"line 10\"");
      assertThat(all).hasSize(25).startsWith("line 0").endsWith("line 24");
      assertThat(log.size()).isEqualTo(25);
    }
    assertThat(spool).doesNotExist();
  }

  @Test
  void publishedEntriesAreCutWithANote() {
    try (OpLog log = new OpLog(10, dir.resolve("1.jsonl"))) {
      for (int i = 0; i < 12; i++) {
        log.add(new LogEntry("stdout", "l" + i, i));
      }
      List<LogEntry> cut = log.entries(5);
      assertThat(cut).hasSize(6);
      assertThat(cut.get(5).type()).isEqualTo(LogEntry.NODEERR);
      assertThat(cut.get(5).log()).isEqualTo("7 more log lines were not included");
    }
  }
}
