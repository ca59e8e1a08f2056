package dev.veil.gateway.registry;

import java.net.URI;

/**
 * What a registered name points at.
 *
 * @param kind a node's agent API or an exposed service
 * @param id   the node ID or the service ID
 * @param base {@code http://host:port} taken from the registry, the only place requests go
 */
public record RegistryTarget(Kind kind, String id, URI base) {

  public enum Kind { NODE, SERVICE }
}
