package dev.veil.agent.publish;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.json.VeilJson;
import dev.veil.model.result.FlowState;
import dev.veil.model.result.JobStatus;
import dev.veil.model.result.LogEntry;
import dev.veil.model.result.OpState;
import dev.veil.model.result.OpStatus;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ResultFitterTest {

  private static OpState op(String id, int lines, int lineLength, Map<String, List<String>> results) {
    List<LogEntry> logs = IntStream.range(0, lines).mapToObj(i -> new LogEntry(LogEntry.STDOUT, "x".repeat(lineLength), 1_000L + i)).toList();
    return new OpState(id, id, OpStatus.SUCCESS, 1_000L, 2_000L, 0, logs, results, List.of(), Map.of());
  }

  private static FlowState result(OpState... ops) {
    return new FlowState(JobStatus.SUCCESS, 1_000L, 2_000L, List.of(), List.of(ops));
  }

  private static int size(FlowState result) {
    return VeilJson.write(result).length;
  }

  @Test
  void aResultUnderTheLimitIsPublishedAsItIs() {
    FlowState small = result(op("a", 10, 10, Map.of()));

    assertThat(ResultFitter.fit(small, 100_000)).isSameAs(small);
  }

  @Test
  void logsAreCutToTheLimitKeepingTheFirstLinesAndSayingWhatWasCut() {
    FlowState big = result(op("a", 5_000, 1_000, Map.of()));

    FlowState fitted = ResultFitter.fit(big, 1_000_000);

    assertThat(size(fitted)).isLessThanOrEqualTo(1_000_000);
    List<LogEntry> logs = fitted.opStates().get(0).logs();
    LogEntry note = logs.get(logs.size() - 1);
    int kept = logs.size() - 1;
    assertThat(kept).isBetween(900, 1_000);
    assertThat(logs.subList(0, kept)).extracting(LogEntry::timestamp)
        .containsExactlyElementsOf(IntStream.range(0, kept).mapToObj(i -> 1_000L + i).toList());
    assertThat(note.type()).isEqualTo(LogEntry.NODEERR);
    assertThat(note.log()).isEqualTo((5_000 - kept) + " of 5000 log lines (from line " + (kept + 1) + ", "
        + (5_000 - kept) * 1_000L + " characters) were cut to fit the published result's limit of 1000000 bytes");
  }

  @Test
  void eachOpGetsItsShareAndWhatOneDoesNotUseGoesToTheOthers() {
    FlowState big = result(op("quiet", 3, 10, Map.of()), op("chatty", 4_000, 500, Map.of()), op("loud", 4_000, 500, Map.of()));

    FlowState fitted = ResultFitter.fit(big, 1_000_000);

    assertThat(size(fitted)).isLessThanOrEqualTo(1_000_000);
    assertThat(fitted.opStates().get(0).logs()).hasSize(3);
    int chatty = fitted.opStates().get(1).logs().size();
    int loud = fitted.opStates().get(2).logs().size();
    assertThat(chatty + loud).isGreaterThan(1_800);
    assertThat(loud).isGreaterThan(800);
  }

  @Test
  void hugeMatchesAreCutTooWhenCuttingLogsIsNotEnough() {
    List<String> matches = IntStream.range(0, 2_000).mapToObj(i -> "m".repeat(1_000)).toList();
    FlowState big = result(op("a", 100, 100, Map.of("all", matches)));

    FlowState fitted = ResultFitter.fit(big, 500_000);

    assertThat(size(fitted)).isLessThanOrEqualTo(500_000);
    OpState a = fitted.opStates().get(0);
    assertThat(a.results()).isEmpty();
    assertThat(a.errors()).anyMatch(e -> e.startsWith("result-pattern matches were cut"));
    assertThat(a.logs()).singleElement().satisfies(note -> assertThat(note.log()).startsWith("all 100 log lines were cut"));
    assertThat(a.status()).isEqualTo(OpStatus.SUCCESS);
  }

  @Test
  void withNoRoomEvenForTheOpsOnlyStatusTimesAndErrorsRemain() {
    FlowState many = result(IntStream.range(0, 200).mapToObj(i -> op("op-" + i, 1, 10, Map.of())).toArray(OpState[]::new));

    FlowState fitted = ResultFitter.fit(many, 2_000);

    assertThat(size(fitted)).isLessThanOrEqualTo(2_000);
    assertThat(fitted.opStates()).isEmpty();
    assertThat(fitted.status()).isEqualTo(JobStatus.SUCCESS);
    assertThat(fitted.errors()).singleElement().asString().contains("even without logs");
  }

  @Test
  void theHostsNotesAtTheEndOfALogAreKeptAfterWhatIsCut() {
    List<LogEntry> logs = new java.util.ArrayList<>(op("a", 2_000, 1_000, Map.of()).logs());
    logs.add(new LogEntry(LogEntry.NODEERR, "3000 more log lines were not included", 9L));
    FlowState big = result(new OpState("a", "a", OpStatus.SUCCESS, 1_000L, 2_000L, 0, logs, Map.of(), List.of(), Map.of()));

    FlowState fitted = ResultFitter.fit(big, 1_000_000);

    List<LogEntry> out = fitted.opStates().get(0).logs();
    assertThat(out.get(out.size() - 1).log()).isEqualTo("3000 more log lines were not included");
    assertThat(out.get(out.size() - 2).log()).contains("of 2000 log lines").contains("were cut to fit");
    assertThat(VeilJson.write(fitted).length).isLessThanOrEqualTo(1_000_000);
  }
}
