package dev.veil.agent.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.json.VeilJson;
import dev.veil.model.result.JobLogLine;
import dev.veil.model.result.JobStatus;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogJournalTest {

  @TempDir
  Path dir;

  static JobLogLine line(int i) {
    return new JobLogLine("op", "stdout", "line " + i, 1_000L + i, null);
  }

  static List<String> texts(List<LogJournal.Numbered> lines) {
    return lines.stream().map(n -> VeilJson.readStrict(n.json(), JobLogLine.class).log()).toList();
  }

  @Test
  void aReaderResumesExactlyAfterTheLineItWasGivenAndSeesLinesAddedLater() throws Exception {
    LogJournal journal = new LogJournal(dir.resolve("j.spool"));
    for (int i = 1; i <= 10; i++) {
      journal.append(line(i));
    }
    try (LogJournal.Reader reader = journal.reader(7).orElseThrow()) {
      LogJournal.State state = reader.state();
      assertThat(state.available()).isEqualTo(10);
      assertThat(state.end()).isNull();
      List<LogJournal.Numbered> batch = reader.read(state.available(), 100, 1 << 20);
      assertThat(batch).extracting(LogJournal.Numbered::number).containsExactly(8L, 9L, 10L);
      assertThat(texts(batch)).containsExactly("line 8", "line 9", "line 10");
      assertThat(reader.read(reader.state().available(), 100, 1 << 20)).isEmpty();

      var changed = reader.state().changed().toFuture();
      journal.append(line(11));
      changed.get(5, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(texts(reader.read(reader.state().available(), 100, 1 << 20))).containsExactly("line 11");
      journal.end(JobStatus.SUCCESS);
      assertThat(reader.state().end()).isEqualTo(JobStatus.SUCCESS);
    }
  }

  @Test
  void batchesAreBoundedByLinesAndBytes() throws Exception {
    LogJournal journal = new LogJournal(dir.resolve("j.spool"));
    for (int i = 1; i <= 100; i++) {
      journal.append(line(i));
    }
    try (LogJournal.Reader reader = journal.reader(0).orElseThrow()) {
      long available = reader.state().available();
      assertThat(reader.read(available, 30, 1 << 20)).hasSize(30);
      // One line is always read, however large; then no more once the bytes are reached.
      assertThat(reader.read(available, 30, 1)).hasSize(1);
      assertThat(reader.position()).isEqualTo(31);
    }
  }

  @Test
  void aReaderAskingBeyondTheEndWaitsForThoseLines() throws Exception {
    LogJournal journal = new LogJournal(dir.resolve("j.spool"));
    journal.append(line(1));
    try (LogJournal.Reader reader = journal.reader(3).orElseThrow()) {
      assertThat(reader.read(reader.state().available(), 100, 1 << 20)).isEmpty();
      journal.append(line(2));
      journal.append(line(3));
      journal.append(line(4));
      assertThat(texts(reader.read(reader.state().available(), 100, 1 << 20))).containsExactly("line 4");
    }
  }

  @Test
  void anOpenReaderReadsOnAfterTheJournalIsClosedAndItsFileDeleted() throws Exception {
    Path file = dir.resolve("j.spool");
    LogJournal journal = new LogJournal(file);
    for (int i = 1; i <= 5; i++) {
      journal.append(line(i));
    }
    journal.end(JobStatus.FAILED);
    LogJournal.Reader reader = journal.reader(0).orElseThrow();
    LogJournal.State state = reader.state();
    journal.close();
    assertThat(file).doesNotExist();
    assertThat(journal.reader(0)).isEmpty();
    assertThat(texts(reader.read(state.available(), 100, 1 << 20))).hasSize(5);
    reader.close();
    assertThat(journal.isFollowed()).isFalse();
  }

  @Test
  void aJournalClosedWithoutAnEndTellsItsReadersTheJobFailed() throws Exception {
    LogJournal journal = new LogJournal(dir.resolve("j.spool"));
    LogJournal.Reader reader = journal.reader(0).orElseThrow();
    assertThat(journal.isFollowed()).isTrue();
    journal.close();
    assertThat(reader.state().end()).isEqualTo(JobStatus.FAILED);
    reader.close();
  }

  @Test
  void nothingOfALineIsOnDiskInClearAndTheKeptCopyHasEveryLineInOrder() throws Exception {
    Path file = dir.resolve("j.spool");
    LogJournal journal = new LogJournal(file);
    for (int i = 1; i <= 1000; i++) {
      journal.append(line(i));
    }
    ByteArrayOutputStream kept = new ByteArrayOutputStream();
    journal.writeTo(kept);
    assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1)).doesNotContain("line 1");
    String[] lines = kept.toString(StandardCharsets.UTF_8).split("\n");
    assertThat(lines).hasSize(1000);
    List<String> texts = new ArrayList<>();
    for (String json : lines) {
      texts.add(VeilJson.readStrict(json.getBytes(StandardCharsets.UTF_8), JobLogLine.class).log());
    }
    assertThat(texts.get(0)).isEqualTo("line 1");
    assertThat(texts.get(999)).isEqualTo("line 1000");
  }

  @Test
  void linesAppendedWhileAReaderReadsArriveOnceInOrder() throws Exception {
    LogJournal journal = new LogJournal(dir.resolve("j.spool"));
    Thread writer = new Thread(() -> {
      for (int i = 1; i <= 20_000; i++) {
        journal.append(line(i));
      }
      journal.end(JobStatus.SUCCESS);
    });
    List<Long> numbers = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    writer.start();
    try (LogJournal.Reader reader = journal.reader(0).orElseThrow()) {
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < deadline) {
        LogJournal.State state = reader.state();
        List<LogJournal.Numbered> batch = reader.read(state.available(), 97, 1 << 20);
        batch.forEach(n -> numbers.add(n.number()));
        texts.addAll(texts(batch));
        if (batch.isEmpty() && state.end() != null && reader.position() == state.available()) {
          break;
        }
      }
    }
    writer.join();
    assertThat(numbers).hasSize(20_000);
    for (int i = 0; i < 20_000; i++) {
      assertThat(numbers.get(i)).isEqualTo(i + 1L);
      assertThat(texts.get(i)).isEqualTo("line " + (i + 1));
    }
  }
}
