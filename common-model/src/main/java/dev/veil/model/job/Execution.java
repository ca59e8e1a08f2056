package dev.veil.model.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * When an op runs.
 *
 * @param group                ops of one group run together; groups run in the order they first appear
 * @param dependsOn            IDs of ops that must finish first
 * @param stopIfDependentStops when true, this op is stopped if an op it depends on stops or fails
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Execution(
    String group,
    @JsonProperty("depends_on") List<String> dependsOn,
    @JsonProperty("stop_if_dependent_stops") Boolean stopIfDependentStops) {}
