package dev.veil.model.job;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * How the definition reaches the host ({@code send}) and how the result leaves it ({@code receive}).
 * An absent channel means the public default: definition from the market, result to the public store.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Logistics(LogisticsChannel send, LogisticsChannel receive) {}
