package dev.veil.gateway.tunnel;

import dev.veil.gateway.registry.RegistryTarget;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The forwards of the tunnels this replica holds: for each node or service ID, the loopback port
 * this gateway listens on for it, whose connections MINA carries into the node's tunnel. Ports are
 * the gateway's own choice on its own loopback; a host names none of them.
 */
public final class LocalForwards {

  private final Map<String, Integer> nodes = new ConcurrentHashMap<>();
  private final Map<String, Integer> services = new ConcurrentHashMap<>();

  /** Routes {@code id} to {@code port}; the port it was routed to before, if any. */
  Integer put(RegistryTarget.Kind kind, String id, int port) {
    return table(kind).put(id, port);
  }

  /** Undoes a {@link #put} whose claim failed: back to {@code previous}, unless something else changed it since. */
  void restore(RegistryTarget.Kind kind, String id, int port, Integer previous) {
    if (previous == null) {
      table(kind).remove(id, port);
    } else {
      table(kind).replace(id, port, previous);
    }
  }

  void remove(RegistryTarget.Kind kind, String id, int port) {
    table(kind).remove(id, port);
  }

  /** The loopback port of a forward this replica holds. */
  public Optional<Integer> port(RegistryTarget.Kind kind, String id) {
    return Optional.ofNullable(table(kind).get(id));
  }

  public int size() {
    return nodes.size() + services.size();
  }

  private Map<String, Integer> table(RegistryTarget.Kind kind) {
    return kind == RegistryTarget.Kind.NODE ? nodes : services;
  }
}
