package dev.veil.model.session;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * {@code POST /v1/sessions}: trade a signed challenge for a session.
 *
 * @param publicKey  the client's identity, base58 Ed25519 public key
 * @param challenge  a challenge issued to that key, unused and unexpired
 * @param signature  base58 Ed25519 signature of {@code LoginChallenge.message(publicKey, challenge, jobId, nodeId, ttlSeconds)}:
 *                   the scope and lifetime asked for are signed too
 * @param jobId      optional scope: the session is valid for this job only
 * @param nodeId     optional scope: the session is valid only when presented by this node
 * @param ttlSeconds optional lifetime; the service's default when absent, never above its cap
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SessionRequest(
    String publicKey, String challenge, String signature, String jobId, String nodeId, Long ttlSeconds) {}
