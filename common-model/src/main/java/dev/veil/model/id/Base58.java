package dev.veil.model.id;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Optional;

/** Base58 with the Bitcoin alphabet, as used for keys, job, session and service IDs. */
public final class Base58 {

  private static final char[] ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".toCharArray();
  private static final int[] INDEX = new int[128];
  private static final BigInteger BASE = BigInteger.valueOf(58);

  static {
    Arrays.fill(INDEX, -1);
    for (int i = 0; i < ALPHABET.length; i++) {
      INDEX[ALPHABET[i]] = i;
    }
  }

  private Base58() {}

  /** Whether {@code c} is a character of the alphabet (no 0, O, I or l; ASCII only). */
  public static boolean isDigit(char c) {
    return c < 128 && INDEX[c] >= 0;
  }

  /** Encodes bytes; each leading zero byte becomes a leading {@code 1}. */
  public static String encode(byte[] bytes) {
    int zeros = 0;
    while (zeros < bytes.length && bytes[zeros] == 0) {
      zeros++;
    }
    StringBuilder out = new StringBuilder();
    BigInteger n = new BigInteger(1, bytes);
    while (n.signum() > 0) {
      BigInteger[] qr = n.divideAndRemainder(BASE);
      out.append(ALPHABET[qr[1].intValue()]);
      n = qr[0];
    }
    out.append("1".repeat(zeros));
    return out.reverse().toString();
  }

  /** Decodes, or empty when {@code text} is not base58 (empty, or a character outside the alphabet). */
  public static Optional<byte[]> decode(String text) {
    if (text == null || text.isEmpty()) {
      return Optional.empty();
    }
    BigInteger n = BigInteger.ZERO;
    int zeros = 0;
    boolean leading = true;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      int digit = c < 128 ? INDEX[c] : -1;
      if (digit < 0) {
        return Optional.empty();
      }
      if (leading && digit == 0) {
        zeros++;
      } else {
        leading = false;
      }
      n = n.multiply(BASE).add(BigInteger.valueOf(digit));
    }
    byte[] magnitude = n.signum() == 0 ? new byte[0] : n.toByteArray();
    int skip = magnitude.length > 0 && magnitude[0] == 0 ? 1 : 0; // BigInteger's sign byte
    byte[] out = new byte[zeros + magnitude.length - skip];
    System.arraycopy(magnitude, skip, out, zeros, magnitude.length - skip);
    return Optional.of(out);
  }

  /** Decodes text that must stand for exactly {@code length} bytes (a key or an ID), else empty. */
  public static Optional<byte[]> decode(String text, int length) {
    // A 32-byte value is at most 44 characters; refuse long input before doing big-number work.
    if (text == null || text.length() > length * 2) {
      return Optional.empty();
    }
    return decode(text).filter(bytes -> bytes.length == length);
  }
}
