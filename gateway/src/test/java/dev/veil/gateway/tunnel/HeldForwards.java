package dev.veil.gateway.tunnel;

import dev.veil.gateway.registry.RegistryTarget;

/**
 * For tests: routes a name to a loopback port among this replica's forwards, as a tunnel's forward
 * does, but announces nothing — the state a replica is in between holding a forward and its
 * announcement arriving back.
 */
public final class HeldForwards {

  private HeldForwards() {
  }

  /** Holds {@code id} here on {@code port}; closing the returned handle drops it again. */
  public static AutoCloseable hold(LocalForwards forwards, RegistryTarget.Kind kind, String id, int port) {
    LocalForwards.Forward forward = new LocalForwards.Forward(port, null);
    forwards.put(kind, id, forward);
    return () -> forwards.remove(kind, id, forward);
  }
}
