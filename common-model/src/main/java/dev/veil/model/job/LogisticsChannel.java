package dev.veil.model.job;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One direction of logistics.
 *
 * @param type {@code api-listen} (the host listens, the client calls it) or {@code api} (the host calls {@code args.endpoint})
 * @param args channel arguments; written as {@code {}} when empty
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LogisticsChannel(LogisticsType type, LogisticsArgs args) {}
