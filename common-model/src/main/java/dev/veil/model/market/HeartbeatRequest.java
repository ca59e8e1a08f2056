package dev.veil.model.market;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.veil.model.result.JobStatus;

/** {@code POST /v1/jobs/{jobId}/heartbeat}, node-signed: renews the claim and reports progress. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HeartbeatRequest(JobStatus hostStatus) {}
