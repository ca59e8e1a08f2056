package dev.veil.model.result;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * What happened to one op.
 *
 * @param operationId the op's ID
 * @param group       its execution group
 * @param status      its status
 * @param startTime   epoch ms, null until it starts
 * @param endTime     epoch ms, null until it ends
 * @param exitCode    the container's exit code, null if it never ran
 * @param logs        stdout, stderr and host messages, in order
 * @param results     each named result pattern's matches, in log order
 * @param errors      what went wrong, in words
 * @param diagnostics host-side details (image digest, container ID, ...), kept as given
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OpState(
    String operationId,
    String group,
    OpStatus status,
    Long startTime,
    Long endTime,
    Integer exitCode,
    List<LogEntry> logs,
    Map<String, List<String>> results,
    List<String> errors,
    Map<String, Object> diagnostics) {}
