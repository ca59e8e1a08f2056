package dev.veil.model.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/** A WebSocket health check: the service is up when it answers with {@code expected_response}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"type", "expected_response", "continuous"})
public record WebsocketHealthCheck(
    String type, @JsonProperty("expected_response") String expectedResponse, Boolean continuous)
    implements HealthCheck {}
