package dev.veil.agent.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.job.ResultPattern;
import dev.veil.model.result.LogEntry;
import java.nio.file.Path;
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
    try (OpLog log = new OpLog(100, dir.resolve("x.jsonl"))) {
      log.add(new LogEntry("stdout", "score=1 score=2", 1));
      log.add(new LogEntry("stderr", "score=3 warn", 2));
      log.add(new LogEntry("stdout", "done", 3));
      Map<String, ResultPattern> patterns = new LinkedHashMap<>();
      patterns.put("scores", new ResultPattern.Regex("score=(\\d)"));
      patterns.put("whole", new ResultPattern.Regex("do.e"));
      patterns.put("errScores", new ResultPattern.Filtered("score=(\\d)", List.of("stderr")));

      Map<String, List<String>> results = ResultPatterns.extract(patterns, log);

      assertThat(results).containsEntry("scores", List.of("1", "2", "3"))
          .containsEntry("whole", List.of("done"))
          .containsEntry("errScores", List.of("3"));
    }
  }
}
