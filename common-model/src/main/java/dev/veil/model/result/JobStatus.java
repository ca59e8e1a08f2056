package dev.veil.model.result;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A job's status as the host reports it in a {@link FlowState}. */
public enum JobStatus {
  /** Private send: the host waits for the owner to send the definition. */
  @JsonProperty("waiting-for-job-definition") WAITING_FOR_JOB_DEFINITION,
  @JsonProperty("running") RUNNING,
  /** Private receive: the ops have finished; the host holds the result for the owner. */
  @JsonProperty("waiting-for-result") WAITING_FOR_RESULT,
  @JsonProperty("success") SUCCESS,
  @JsonProperty("failed") FAILED,
  @JsonProperty("stopped") STOPPED,
  /** The definition was invalid; nothing ran. */
  @JsonProperty("validation-error") VALIDATION_ERROR,
  /** The definition never arrived, or the result was never collected. */
  @JsonProperty("logistics-error") LOGISTICS_ERROR;

  /** True for the statuses a job ends in. */
  public boolean isFinal() {
    return switch (this) {
      case SUCCESS, FAILED, STOPPED, VALIDATION_ERROR, LOGISTICS_ERROR -> true;
      default -> false;
    };
  }
}
