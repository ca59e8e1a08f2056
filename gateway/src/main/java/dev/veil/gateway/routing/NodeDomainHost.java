package dev.veil.gateway.routing;

import dev.veil.model.id.Base58;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads the name out of a Host header of the form {@code <id>.<node domain>[:port]}. The ID is
 * one DNS label of base58 (node IDs, public and private service IDs all are); anything else in
 * front of the domain, user info, or a second label is not a name and routes nowhere.
 */
public final class NodeDomainHost {

  private static final int MIN_ID = 16;
  private static final int MAX_ID = 64;
  private static final int MAX_PORT_DIGITS = 5;

  private final String suffix;

  public NodeDomainHost(String nodeDomain) {
    this.suffix = "." + nodeDomain.toLowerCase(Locale.ROOT);
  }

  /** Whether the host is under the node domain at all (a name or not). */
  public boolean isUnderDomain(String hostHeader) {
    String host = withoutPort(hostHeader);
    return host != null && host.length() >= suffix.length()
        && host.regionMatches(true, host.length() - suffix.length(), suffix, 0, suffix.length());
  }

  /** The ID named, if the host is exactly {@code <id>.<node domain>} with an optional port. */
  public Optional<String> id(String hostHeader) {
    String host = withoutPort(hostHeader);
    if (host == null || host.length() <= suffix.length()
        || !host.regionMatches(true, host.length() - suffix.length(), suffix, 0, suffix.length())) {
      return Optional.empty();
    }
    // IDs are case-sensitive base58: the label is taken as sent, never lower-cased.
    int end = host.length() - suffix.length();
    return isId(host, end) ? Optional.of(host.substring(0, end)) : Optional.empty();
  }

  /** Whether {@code host}'s first {@code end} characters are one ID: 16 to 64 base58 characters (no dot, no user info). */
  private static boolean isId(String host, int end) {
    if (end < MIN_ID || end > MAX_ID) {
      return false;
    }
    for (int i = 0; i < end; i++) {
      if (!Base58.isDigit(host.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** Whether the text from {@code start} is a port: 1 to 5 ASCII digits. */
  private static boolean isPort(String text, int start) {
    int digits = text.length() - start;
    if (digits < 1 || digits > MAX_PORT_DIGITS) {
      return false;
    }
    for (int i = start; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  private static String withoutPort(String hostHeader) {
    if (hostHeader == null || hostHeader.isEmpty()) {
      return null;
    }
    int colon = hostHeader.lastIndexOf(':');
    if (colon < 0) {
      return hostHeader.endsWith(".") ? hostHeader.substring(0, hostHeader.length() - 1) : hostHeader;
    }
    if (!isPort(hostHeader, colon + 1)) {
      return null;
    }
    String host = hostHeader.substring(0, colon);
    return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
  }
}
