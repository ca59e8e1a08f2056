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
 * @param ownerOnly  for a service its node opened to the job's owner only: who that is and which
 *                   job (as the market said when the forward opened); null when anyone may visit
 */
public record RegistryTarget(Kind kind, String id, URI base, String relayToken, OwnerOnly ownerOnly) {

  public enum Kind { NODE, SERVICE }

  /** A service only the job's owner may visit: the owner's public key and the job, as the market named them. */
  public record OwnerOnly(String owner, String jobId) {}

  public RegistryTarget(Kind kind, String id, URI base, String relayToken) {
    this(kind, id, base, relayToken, null);
  }

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
