package dev.veil.model.job;

/**
 * The body of {@code POST /job-definition/{jobId}}: {@code {"jobDefinition": {...}}}.
 *
 * @param jobDefinition the real definition, sent privately to the host
 */
public record JobDefinitionRequest(JobDefinition jobDefinition) {}
