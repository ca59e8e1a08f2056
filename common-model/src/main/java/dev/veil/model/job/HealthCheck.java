package dev.veil.model.job;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** A check that tells whether an exposed service is up. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.EXISTING_PROPERTY, property = "type", visible = true)
@JsonSubTypes({
  @JsonSubTypes.Type(value = HttpHealthCheck.class, name = "http"),
  @JsonSubTypes.Type(value = WebsocketHealthCheck.class, name = "websocket")
})
public sealed interface HealthCheck permits HttpHealthCheck, WebsocketHealthCheck {

  /** {@code http} or {@code websocket}. */
  String type();

  /** When true the check keeps running after the first success, and a failure marks the service OFFLINE. */
  Boolean continuous();
}
