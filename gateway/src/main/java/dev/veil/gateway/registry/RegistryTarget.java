package dev.veil.gateway.registry;

import java.net.URI;

/**
 * Where a registered name is served.
 *
 * @param kind       a node's agent API or an exposed service
 * @param id         the node ID or the service ID
 * @param base       {@code http://127.0.0.1:<port>}: this replica's own loopback listener for the
 *                   tunnel's forward; or the URL of the replica that holds the tunnel
 * @param relayToken that replica's relay token; null when the tunnel is held here
 */
public record RegistryTarget(Kind kind, String id, URI base, String relayToken) {

  public enum Kind { NODE, SERVICE }

  /** True when the request goes on to the replica holding the tunnel. */
  public boolean isRelay() {
    return relayToken != null;
  }

  @Override
  public String toString() {
    // Never print the token.
    return "RegistryTarget[" + kind + ", relay=" + isRelay() + "]";
  }
}
