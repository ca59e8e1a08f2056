package dev.veil.model.market;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.veil.model.job.JobDefinition;
import dev.veil.model.result.JobStatus;

/**
 * A job as anyone can see it on the market.
 *
 * @param jobId          32 random bytes, base58
 * @param owner          the poster's public key
 * @param state          market state
 * @param definition     the definition as posted: for a private job, the template with empty ops
 * @param timeoutSeconds how long the job may run once claimed
 * @param createdAt      epoch ms
 * @param nodeId         the host that claimed it, while and after it runs
 * @param claimedAt      epoch ms
 * @param hostStatus     what the host reports while it runs ({@code running}, {@code waiting-for-job-definition}, ...)
 * @param stopRequested  true once the owner asked a running job to stop
 * @param finishedAt     epoch ms
 * @param resultId       content ID of the public result
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobRecord(
    String jobId,
    String owner,
    JobState state,
    JobDefinition definition,
    long timeoutSeconds,
    long createdAt,
    String nodeId,
    Long claimedAt,
    JobStatus hostStatus,
    Boolean stopRequested,
    Long finishedAt,
    String resultId) {}
