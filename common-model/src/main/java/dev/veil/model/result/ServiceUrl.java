package dev.veil.model.result;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One exposed service of a job.
 *
 * @param opId   the op that exposes it (optional on the wire)
 * @param port   the container port
 * @param url    {@code https://<serviceId>.<node domain>}
 * @param status this service's own status (optional on the wire)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ServiceUrl(String opId, int port, String url, ServiceStatus status) {}
