package dev.veil.model.job;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Arguments of a logistics channel.
 *
 * @param endpoint for {@code api}: the URL the host calls
 * @param hash     for {@code send = api-listen}: lowercase hex SHA-256 of the canonical form of the
 *                 definition that will be sent (see {@link dev.veil.model.json.CanonicalJson}); the
 *                 host refuses any other definition
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LogisticsArgs(String endpoint, String hash) {

  /** Arguments with nothing set: {@code {}}. */
  public static final LogisticsArgs NONE = new LogisticsArgs(null, null);
}
