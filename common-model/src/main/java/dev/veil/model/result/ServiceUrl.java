package dev.veil.model.result;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One exposed service of a job.
 *
 * @param opId   the op that exposes it (optional on the wire)
 * @param port   the container port
 * @param url    {@code https://<serviceId>.<node domain>}
 * @param status this service's own status (optional on the wire)
 * @param access {@code "owner"} when the gateway admits the job's owner only (a session in
 *               {@code x-session-id} or a cookie set by opening the URL with {@code ?veil-session=});
 *               absent when whoever has the URL may use it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ServiceUrl(String opId, int port, String url, ServiceStatus status, String access) {

  public ServiceUrl(String opId, int port, String url, ServiceStatus status) {
    this(opId, port, url, status, null);
  }
}
