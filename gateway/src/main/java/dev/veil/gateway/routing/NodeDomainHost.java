package dev.veil.gateway.routing;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads the name out of a Host header of the form {@code <id>.<node domain>[:port]}. The ID is
 * one DNS label of base58 (node IDs, public and private service IDs all are); anything else in
 * front of the domain, user info, or a second label is not a name and routes nowhere.
 */
public final class NodeDomainHost {

  private static final Pattern ID = Pattern.compile("[1-9A-HJ-NP-Za-km-z]{16,64}");
  private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");

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
    String label = host.substring(0, host.length() - suffix.length());
    return ID.matcher(label).matches() ? Optional.of(label) : Optional.empty();
  }

  private static String withoutPort(String hostHeader) {
    if (hostHeader == null || hostHeader.isEmpty()) {
      return null;
    }
    int colon = hostHeader.lastIndexOf(':');
    if (colon < 0) {
      return hostHeader.endsWith(".") ? hostHeader.substring(0, hostHeader.length() - 1) : hostHeader;
    }
    if (!PORT.matcher(hostHeader.substring(colon + 1)).matches()) {
      return null;
    }
    String host = hostHeader.substring(0, colon);
    return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
  }
}
