package dev.veil.model.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * Job-wide defaults: each applies to every op that does not set its own.
 *
 * @param image      default image for {@code container/run} ops
 * @param gpu        whether ops get a GPU
 * @param entrypoint default entrypoint
 * @param env        environment merged under each op's own
 * @param workDir    default working directory
 * @param variables  named values available to ops, kept as given
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Global(
    String image,
    Boolean gpu,
    Command entrypoint,
    Map<String, String> env,
    @JsonProperty("work_dir") String workDir,
    Map<String, Object> variables) {}
