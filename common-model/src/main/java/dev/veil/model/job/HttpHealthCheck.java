package dev.veil.model.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Map;

/**
 * An HTTP health check: the service is up when {@code method path} answers {@code expected_status}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"type", "path", "method", "expected_status", "headers", "body", "continuous"})
public record HttpHealthCheck(
    String type,
    String path,
    String method,
    @JsonProperty("expected_status") Integer expectedStatus,
    Map<String, String> headers,
    String body,
    Boolean continuous)
    implements HealthCheck {}
