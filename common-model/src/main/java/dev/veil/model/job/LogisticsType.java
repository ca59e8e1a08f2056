package dev.veil.model.job;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Who initiates a logistics transfer. */
public enum LogisticsType {
  /** The host listens and the client calls it: the private way. */
  @JsonProperty("api-listen") API_LISTEN,
  /** The host calls the endpoint in {@code args.endpoint}. */
  @JsonProperty("api") API
}
