package dev.veil.model.result;

import dev.veil.model.id.RandomIds;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * How a gateway tells a host that a private result it relayed reached its owner's connection.
 *
 * <p>A host hands a result to the tunnel long before the owner has it: the bytes sit in the
 * tunnel's window and in the gateway's buffers. Were the host to count it collected then, a gateway
 * that dies meanwhile would lose it for good (it is served once, then deleted). So a gateway asks
 * for a receipt ({@value #REQUEST_HEADER}{@code : }{@value #REQUESTED}); the host answers with a
 * fresh token ({@value #TOKEN_HEADER}), which the gateway keeps from the owner; once the owner's
 * connection has taken the last byte, the gateway sends it back with
 * {@code POST /job-result/{jobId}/receipt}. Only then is the result collected; without a receipt
 * in time it is held again, to be asked for again. The token is the whole of the capability: 32
 * bytes from {@link java.security.SecureRandom}, one delivery's, compared in constant time.
 */
public final class DeliveryReceipt {

  /** Request header by which a relay asks for a receipt token. */
  public static final String REQUEST_HEADER = "x-veil-receipt";
  /** Its one value. */
  public static final String REQUESTED = "requested";
  /** Response header carrying the token; on the receipt, the request header carrying it back. */
  public static final String TOKEN_HEADER = "x-veil-receipt-token";

  private DeliveryReceipt() {}

  /** A new token for one delivery. */
  public static String newToken() {
    return RandomIds.next();
  }

  /** The receipt's path for a job: {@code /job-result/{jobId}/receipt}. */
  public static String path(String jobId) {
    return "/job-result/" + jobId + "/receipt";
  }

  /** Whether {@code presented} is {@code expected}, in time independent of where they differ. */
  public static boolean matches(String expected, String presented) {
    return expected != null && presented != null
        && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), presented.getBytes(StandardCharsets.UTF_8));
  }
}
