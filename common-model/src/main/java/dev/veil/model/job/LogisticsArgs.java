package dev.veil.model.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.veil.model.sealing.RecipientKey;

/**
 * Arguments of a logistics channel.
 *
 * @param endpoint for {@code api}: the URL the host calls
 * @param hash     for {@code send = api-listen}: lowercase hex SHA-256 of the canonical form of the
 *                 definition that will be sent (see {@link dev.veil.model.json.CanonicalJson}); the
 *                 host refuses any other definition
 * @param recipient for {@code receive = api-listen}: the owner's key, signed by the owner, that the
 *                 host seals the result to ({@link dev.veil.model.sealing.SealedResult}); without
 *                 it the result is handed out as plain JSON
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LogisticsArgs(String endpoint, String hash, RecipientKey recipient) {

  /** Arguments with nothing set: {@code {}}. */
  public static final LogisticsArgs NONE = new LogisticsArgs(null, null, null);

  public LogisticsArgs(String endpoint, String hash) {
    this(endpoint, hash, null);
  }
}
