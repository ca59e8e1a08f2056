package dev.veil.model.session;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One of an owner's sessions, as listed: never the secret itself, only its handle.
 *
 * @param handle    base58 SHA-256 of the session ID: names the session for revocation, cannot be used as one
 * @param createdAt epoch ms
 * @param expiresAt epoch ms
 * @param jobId     scope, if any
 * @param nodeId    scope, if any
 * @param current   true for the session that made this request
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SessionSummary(String handle, long createdAt, long expiresAt, String jobId, String nodeId, boolean current) {}
