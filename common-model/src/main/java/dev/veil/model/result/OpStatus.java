package dev.veil.model.result;

import com.fasterxml.jackson.annotation.JsonProperty;

/** One op's status. */
public enum OpStatus {
  @JsonProperty("pending") PENDING,
  @JsonProperty("running") RUNNING,
  @JsonProperty("success") SUCCESS,
  @JsonProperty("failed") FAILED,
  @JsonProperty("stopped") STOPPED
}
