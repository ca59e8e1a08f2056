package dev.veil.model.session;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The one answer shape of validation. Not valid is never explained (unknown, expired, revoked
 * and out of scope look the same), so the answer is no oracle.
 *
 * @param valid     whether the session may be used for this request
 * @param owner     the session owner's public key, when valid
 * @param expiresAt epoch ms, when valid
 * @param jobId     the one job the session is scoped to, when valid and so scoped
 * @param nodeId    the one node that may present it, when valid and so scoped
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ValidationResponse(boolean valid, String owner, Long expiresAt, String jobId, String nodeId) {

  public static final ValidationResponse INVALID = new ValidationResponse(false, null, null, null, null);

  public static ValidationResponse valid(String owner, long expiresAt, String jobId, String nodeId) {
    return new ValidationResponse(true, owner, expiresAt, jobId, nodeId);
  }
}
