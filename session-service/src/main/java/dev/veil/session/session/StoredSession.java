package dev.veil.session.session;

import dev.veil.model.session.SessionHandles;

/**
 * A session as kept in Redis: never the session ID itself, only its {@link SessionHandles handle}.
 *
 * @param handle    base58 SHA-256 of the session ID
 * @param owner     the client's public key (base58)
 * @param jobId     scope, or null
 * @param nodeId    scope, or null
 * @param createdAt epoch ms
 * @param expiresAt epoch ms
 */
public record StoredSession(String handle, String owner, String jobId, String nodeId, long createdAt, long expiresAt) {

  /** True when scoped to a job or a node: such a session can do nothing but what it was made for. */
  public boolean isScoped() {
    return jobId != null || nodeId != null;
  }
}
