package dev.veil.model.session;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * {@code POST /v1/sessions/validate}, by a node (node-signed) or a trusted service.
 *
 * @param sessionId the {@code x-session-id} a client presented
 * @param jobId     the job the client's request is about, or null for requests about no job
 * @param client    who presented the session, as the caller saw them (an address); failed look-ups
 *                  are counted per caller and client, so one abuser never locks others out
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ValidationRequest(String sessionId, String jobId, String client) {

  /** Never prints the session ID: frameworks log bodies with {@code toString} at debug level. */
  @Override
  public String toString() {
    return "ValidationRequest[sessionId=(redacted), jobId=" + jobId + ", client=" + client + "]";
  }
}
