package dev.veil.model.auth;

import dev.veil.model.id.Base58;
import dev.veil.model.id.Digests;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * How a host agent proves who it is to job-market and session-service: every request carries
 * its node ID (base58 Ed25519 public key), a timestamp, a random nonce and an Ed25519 signature
 * over all of them and over the request itself.
 *
 * <p>Headers: {@code x-veil-node}, {@code x-veil-timestamp} (epoch ms), {@code x-veil-nonce}
 * (16 random bytes, base58), {@code x-veil-signature} (base58). Signed bytes, UTF-8:
 *
 * <pre>
 * veil-node-request-v1
 * {audience}          the receiving service, e.g. session-service: a request for one cannot be replayed to another
 * {METHOD}
 * {path?query}        exactly as sent, percent-encoding included
 * {timestamp}
 * {nonce}
 * {hex SHA-256 of the body}   (of zero bytes when there is none)
 * </pre>
 *
 * <p>The receiver accepts a timestamp within its allowed skew of its own clock and each nonce
 * once (it remembers nonces for twice the skew); that part is the receiver's, since it needs
 * shared storage. {@link #verify} checks everything else.
 */
public record NodeRequestSignature(String nodeId, long timestamp, String nonce, String signature) {

  public static final String NODE_HEADER = "x-veil-node";
  public static final String TIMESTAMP_HEADER = "x-veil-timestamp";
  public static final String NONCE_HEADER = "x-veil-nonce";
  public static final String SIGNATURE_HEADER = "x-veil-signature";

  private static final String DOMAIN = "veil-node-request-v1";
  private static final Pattern DIGITS = Pattern.compile("\\d{1,15}");
  private static final SecureRandom RANDOM = new SecureRandom();

  /** What checking a signature found. */
  public enum Verdict {
    VALID,
    /** Headers missing or not of the right shape. */
    MALFORMED,
    /** Timestamp outside the allowed skew. */
    STALE,
    /** Not the node's signature of this request. */
    BAD_SIGNATURE
  }

  /** Signs a request as {@code node}. */
  public static NodeRequestSignature sign(KeyPair node, String audience, String method, String pathAndQuery,
      byte[] body, Instant now) {
    byte[] nonceBytes = new byte[16];
    RANDOM.nextBytes(nonceBytes);
    String nonce = Base58.encode(nonceBytes);
    long timestamp = now.toEpochMilli();
    byte[] signature = Ed25519.sign(node.getPrivate(), signedBytes(audience, method, pathAndQuery, timestamp, nonce, body));
    return new NodeRequestSignature(Ed25519.id(node.getPublic()), timestamp, nonce, Base58.encode(signature));
  }

  /** The four headers, in order. */
  public Map<String, String> headers() {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(NODE_HEADER, nodeId);
    headers.put(TIMESTAMP_HEADER, Long.toString(timestamp));
    headers.put(NONCE_HEADER, nonce);
    headers.put(SIGNATURE_HEADER, signature);
    return headers;
  }

  /** True when a request carries any of the four headers, i.e. claims to be node-signed. */
  public static boolean isPresent(Function<String, String> header) {
    return header.apply(NODE_HEADER) != null || header.apply(SIGNATURE_HEADER) != null;
  }

  /** Reads the four headers; empty when one is missing or not of its shape. */
  public static Optional<NodeRequestSignature> fromHeaders(Function<String, String> header) {
    String node = header.apply(NODE_HEADER);
    String timestamp = header.apply(TIMESTAMP_HEADER);
    String nonce = header.apply(NONCE_HEADER);
    String signature = header.apply(SIGNATURE_HEADER);
    if (node == null || timestamp == null || nonce == null || signature == null
        || !DIGITS.matcher(timestamp).matches() || Base58.decode(nonce, 16).isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new NodeRequestSignature(node, Long.parseLong(timestamp), nonce, signature));
  }

  /** Checks key, time window and signature; the nonce's single use is the caller's to check after this. */
  public Verdict verify(String audience, String method, String pathAndQuery, byte[] body, Instant now, Duration skew) {
    Optional<PublicKey> key = Ed25519.publicKey(nodeId);
    Optional<byte[]> sig = Base58.decode(signature, Ed25519.SIGNATURE_BYTES);
    if (key.isEmpty() || sig.isEmpty()) {
      return Verdict.MALFORMED;
    }
    if (Math.abs(now.toEpochMilli() - timestamp) > skew.toMillis()) {
      return Verdict.STALE;
    }
    return Ed25519.verify(key.get(), signedBytes(audience, method, pathAndQuery, timestamp, nonce, body), sig.get())
        ? Verdict.VALID
        : Verdict.BAD_SIGNATURE;
  }

  static byte[] signedBytes(String audience, String method, String pathAndQuery, long timestamp, String nonce, byte[] body) {
    String text = String.join("\n", DOMAIN, audience, method.toUpperCase(java.util.Locale.ROOT), pathAndQuery,
        Long.toString(timestamp), nonce, Digests.sha256Hex(body == null ? new byte[0] : body));
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
