package dev.veil.model.session;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The one answer shape of validation. Not valid is never explained (unknown, expired, revoked
 * and out of scope look the same), so the answer is no oracle.
 *
 * @param valid     whether the session may be used for this request
 * @param owner     the session owner's public key, when valid
 * @param expiresAt epoch ms, when valid
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ValidationResponse(boolean valid, String owner, Long expiresAt) {

  public static final ValidationResponse INVALID = new ValidationResponse(false, null, null);

  public static ValidationResponse valid(String owner, long expiresAt) {
    return new ValidationResponse(true, owner, expiresAt);
  }
}
