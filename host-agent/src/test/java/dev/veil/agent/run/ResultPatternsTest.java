package dev.veil.agent.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.job.ResultPattern;
import dev.veil.model.result.LogEntry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultPatternsTest {

  @TempDir
  Path dir;

  @Test
  void everyMatchInOrderFirstGroupOrWholeMatchAndOnlyChosenStreams() {
    try (OpLog log = new OpLog(100, dir.resolve("x.spool"))) {
      log.add(new LogEntry("stdout", "score=1 score=2", 1));
      log.add(new LogEntry("stderr", "score=3 warn", 2));
      log.add(new LogEntry("stdout", "done", 3));
      Map<String, ResultPattern> patterns = new LinkedHashMap<>();
      patterns.put("scores", new ResultPattern.Regex("score=(\\d)"));
      patterns.put("whole", new ResultPattern.Regex("do.e"));
      patterns.put("errScores", new ResultPattern.Filtered("score=(\\d)", List.of("stderr")));

      ResultPatterns.Extraction extraction = ResultPatterns.extract(patterns, log);

      assertThat(extraction.results()).containsEntry("scores", List.of("1", "2", "3"))
          .containsEntry("whole", List.of("done"))
          .containsEntry("errScores", List.of("3"));
      assertThat(extraction.errors()).isEmpty();
    }
  }

  @Test
  void aFloodOfMatchesKeepsTheFirstThousandAndSaysSo() {
    try (OpLog log = new OpLog(100, dir.resolve("flood.spool"))) {
      for (int i = 0; i < 50; i++) {
        log.add(new LogEntry("stdout", "x".repeat(100), i));
      }

      ResultPatterns.Extraction extraction = ResultPatterns.extract(Map.of("each", new ResultPattern.Regex(".")), log);

      assertThat(extraction.results().get("each")).hasSize(ResultPatterns.MAX_MATCHES);
      assertThat(extraction.errors()).containsExactly("result 'each': only the first 1000 matches are kept");
    }
  }

  @Test
  void aLongValueIsCutToTheMaximumAndSaysSo() {
    try (OpLog log = new OpLog(100, dir.resolve("long.spool"))) {
      log.add(new LogEntry("stdout", "v=" + "y".repeat(10_000), 1));

      ResultPatterns.Extraction extraction = ResultPatterns.extract(Map.of("v", new ResultPattern.Regex("v=(.*)")), log);

      assertThat(extraction.results().get("v")).singleElement().asString().hasSize(ResultPatterns.MAX_VALUE);
      assertThat(extraction.errors()).singleElement().asString().contains("cut to that length");
    }
  }

  @Test
  void aPathologicalRegexIsStoppedAtTheTimeLimitAndTheResultsSaySo() {
    try (OpLog log = new OpLog(100, dir.resolve("slow.spool"))) {
      // Polynomial blow-up: twenty nested .* over a line where the last group cannot match
      // (Java's matcher takes minutes here; 30 characters already take a quarter of a second).
      log.add(new LogEntry("stdout", "a".repeat(60) + "!", 1));
      log.add(new LogEntry("stdout", "found=1", 2));

      ResultPatterns.Extraction extraction = ResultPatterns.extract(
          Map.of("slow", new ResultPattern.Regex("(.*a){20}b")), log, Duration.ofMillis(200));

      assertThat(extraction.results().get("slow")).isEmpty();
      assertThat(extraction.errors()).containsExactly("result patterns were stopped after 200 ms; the results are incomplete");
    }
  }
}
