package dev.veil.model.session;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A new session. {@code sessionId} is the bearer secret: send it as {@code x-session-id}.
 *
 * @param sessionId 32 random bytes, base58
 * @param owner     the client's public key
 * @param expiresAt epoch ms
 * @param jobId     the job it is scoped to, if any
 * @param nodeId    the node it is scoped to, if any
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SessionResponse(String sessionId, String owner, long expiresAt, String jobId, String nodeId) {

  /** Never prints the session ID: frameworks log bodies with {@code toString} at debug level. */
  @Override
  public String toString() {
    return "SessionResponse[sessionId=(redacted), owner=" + owner + ", expiresAt=" + expiresAt
        + ", jobId=" + jobId + ", nodeId=" + nodeId + "]";
  }
}
