package dev.veil.market.jobs;

import dev.veil.model.id.Digests;
import java.util.regex.Pattern;

/**
 * A post's {@code Idempotency-Key} (IETF draft-ietf-httpapi-idempotency-key-header): a client that
 * did not get its answer (a timeout, a 503 after the store took too long) posts again with the
 * same key, and the market makes the job once. Kept per owner for a day, by its SHA-256 only.
 */
record PostKey(String digest) {

  static final String HEADER = "Idempotency-Key";
  // A token as the draft's examples and common APIs use (a UUID, a random ID), optionally quoted as
  // the draft's structured-field string.
  private static final Pattern TOKEN = Pattern.compile("\"?([A-Za-z0-9._:+/=-]{8,128})\"?");

  /** The key as sent; null when none was sent; an error when it is not a usable key. */
  static PostKey of(String header) {
    if (header == null) {
      return null;
    }
    var token = TOKEN.matcher(header.strip());
    if (!token.matches()) {
      throw new IllegalArgumentException("must be 8 to 128 letters, digits or ._:+/=- (a UUID or a random ID)");
    }
    return new PostKey(Digests.sha256Hex(token.group(1)));
  }

  /** What was posted, to tell a repeat of the same post from another post with a reused key. */
  static String fingerprint(String definition, long timeoutSeconds) {
    return Digests.sha256Hex(definition + "\n" + timeoutSeconds);
  }
}
