package dev.veil.model.market;

import dev.veil.model.job.JobDefinition;

/**
 * {@code POST /v1/jobs}, with {@code x-session-id}.
 *
 * @param definition     the public definition: for private send, the template with empty ops
 * @param timeoutSeconds how long the job may run once claimed; the market's default when null
 */
public record PostJobRequest(JobDefinition definition, Long timeoutSeconds) {}
