package dev.veil.agent.publish;

import dev.veil.model.json.VeilJson;
import dev.veil.model.result.FlowState;
import dev.veil.model.result.LogEntry;
import dev.veil.model.result.OpState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Cuts a result to a size in bytes, saying exactly what was cut: the market refuses a body over
 * its limit, and a result that cannot be published must not leave its job running (to be claimed
 * and run again).
 *
 * <p>Logs go first: every op keeps the first lines of its log that fit a fair share of what is
 * left once everything else is counted (what an op does not need is shared among the others),
 * and a {@code nodeerr} line says how many lines and bytes were cut (host notes already at the end
 * of a log are kept after it). If the result is still too
 * large without any log (huge result-pattern matches), the matches go too, with an error saying
 * so; failing that, only status, times and errors are published.
 */
final class ResultFitter {

  // Room for the notes the fitter adds to each op, so that adding them cannot break the limit.
  private static final int NOTE_ROOM = 256;

  private ResultFitter() {}

  static FlowState fit(FlowState result, long maxBytes) {
    if (size(result) <= maxBytes || result.opStates() == null || result.opStates().isEmpty()) {
      return result;
    }
    List<OpState> ops = result.opStates();
    long skeleton = size(withOps(result, ops.stream().map(op -> withLogs(op, notes(op))).toList()));
    long budget = maxBytes - skeleton - (long) NOTE_ROOM * ops.size();
    if (budget >= 0) {
      return cutLogs(result, maxBytes, budget);
    }
    List<OpState> bare = ops.stream().map(op -> new OpState(op.operationId(), op.group(), op.status(), op.startTime(),
        op.endTime(), op.exitCode(), List.of(new LogEntry(LogEntry.NODEERR, "all " + count(op) + " log lines were cut: "
            + "the result's log and matches exceeded the published result's limit of " + maxBytes + " bytes", stamp(op))),
        Map.of(), withError(op.errors(), "result-pattern matches were cut: they exceeded the published result's limit"),
        op.diagnostics())).toList();
    FlowState withoutOutput = withOps(result, bare);
    if (size(withoutOutput) <= maxBytes) {
      return withoutOutput;
    }
    return result.publicCopy().withError("the result exceeded the published result's limit of " + maxBytes
        + " bytes even without logs; only status, times and errors are published");
  }

  private static FlowState cutLogs(FlowState result, long maxBytes, long budget) {
    List<OpState> ops = result.opStates();
    int[] lines = new int[ops.size()];
    long left = budget;
    // Equal shares of what is left among the ops that want more, until no share takes another
    // line; then what is still left, in op order.
    boolean progress = true;
    while (progress && left > 0) {
      progress = false;
      long wanting = 0;
      for (int i = 0; i < ops.size(); i++) {
        wanting += lines[i] < lines(ops.get(i)).size() ? 1 : 0;
      }
      if (wanting == 0) {
        break;
      }
      long share = left / wanting;
      for (int i = 0; i < ops.size(); i++) {
        long took = take(lines(ops.get(i)), lines, i, share);
        left -= took;
        progress |= took > 0;
      }
    }
    for (int i = 0; i < ops.size() && left > 0; i++) {
      left -= take(lines(ops.get(i)), lines, i, left);
    }
    List<OpState> fitted = new ArrayList<>();
    for (int i = 0; i < ops.size(); i++) {
      OpState op = ops.get(i);
      List<LogEntry> logs = lines(op);
      if (lines[i] == logs.size()) {
        fitted.add(op);
        continue;
      }
      long cutBytes = logs.subList(lines[i], logs.size()).stream().mapToLong(e -> e.log().length()).sum();
      List<LogEntry> shortened = new ArrayList<>(logs.subList(0, lines[i]));
      shortened.add(new LogEntry(LogEntry.NODEERR, (logs.size() - lines[i]) + " of " + logs.size() + " log lines (from line "
          + (lines[i] + 1) + ", " + cutBytes + " characters) were cut to fit the published result's limit of " + maxBytes
          + " bytes", stamp(op)));
      shortened.addAll(notes(op));
      fitted.add(withLogs(op, shortened));
    }
    return withOps(result, fitted);
  }

  // Takes op i's next lines while they fit in allowance; answers the bytes taken.
  private static long take(List<LogEntry> logs, int[] lines, int i, long allowance) {
    long took = 0;
    while (lines[i] < logs.size()) {
      long entry = size(logs.get(lines[i])) + 1;
      if (took + entry > allowance) {
        break;
      }
      took += entry;
      lines[i]++;
    }
    return took;
  }

  private static List<LogEntry> logs(OpState op) {
    return op.logs() == null ? List.of() : op.logs();
  }

  // The host's notes at the end of a log (say, how many lines the agent already left out) are
  // kept whatever is cut; only the lines before them are cut.
  private static List<LogEntry> notes(OpState op) {
    List<LogEntry> logs = logs(op);
    int start = logs.size();
    while (start > 0 && LogEntry.NODEERR.equals(logs.get(start - 1).type())) {
      start--;
    }
    return logs.subList(start, logs.size());
  }

  private static List<LogEntry> lines(OpState op) {
    List<LogEntry> logs = logs(op);
    return logs.subList(0, logs.size() - notes(op).size());
  }

  private static int count(OpState op) {
    return logs(op).size();
  }

  private static long stamp(OpState op) {
    return op.endTime() != null ? op.endTime() : op.startTime() != null ? op.startTime() : 0L;
  }

  private static List<String> withError(List<String> errors, String error) {
    List<String> out = new ArrayList<>(errors == null ? List.of() : errors);
    out.add(error);
    return out;
  }

  private static OpState withLogs(OpState op, List<LogEntry> logs) {
    return new OpState(op.operationId(), op.group(), op.status(), op.startTime(), op.endTime(), op.exitCode(), logs,
        op.results(), op.errors(), op.diagnostics());
  }

  private static FlowState withOps(FlowState result, List<OpState> ops) {
    return new FlowState(result.status(), result.startTime(), result.endTime(), result.errors(), ops);
  }

  private static long size(Object value) {
    return VeilJson.write(value).length;
  }
}
