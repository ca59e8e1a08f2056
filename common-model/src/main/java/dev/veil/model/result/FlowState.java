package dev.veil.model.result;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A job's result: what a host publishes, or serves privately to the owner.
 *
 * @param status    the job's status
 * @param startTime epoch ms
 * @param endTime   epoch ms, null while running
 * @param errors    job-level errors, in words
 * @param opStates  per-op states; empty in the public copy of a privately received result
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"status", "startTime", "endTime", "errors", "opStates"})
public record FlowState(JobStatus status, Long startTime, Long endTime, List<String> errors, List<OpState> opStates) {

  /**
   * The copy that may be published when the result is received privately: status, times and
   * job-level errors only; no op states, so no logs, results or URLs.
   */
  public FlowState publicCopy() {
    return new FlowState(status, startTime, endTime, errors == null ? List.of() : errors, List.of());
  }

  /** The same result with {@code error} added after its job-level errors. */
  public FlowState withError(String error) {
    List<String> more = new ArrayList<>(errors == null ? List.of() : errors);
    more.add(error);
    return new FlowState(status, startTime, endTime, more, opStates);
  }

  /** True when this carries nothing but status, times and errors. */
  @JsonIgnore
  public boolean isEmptyOfOutput() {
    return opStates == null || opStates.isEmpty();
  }
}
