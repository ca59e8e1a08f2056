package dev.veil.gateway.tunnel;

import dev.veil.gateway.registry.RegistryTarget;

/**
 * For tests: the states a replica passes through around a forward, one at a time. {@link #hold}
 * routes a name to a loopback port as a tunnel's forward does but announces nothing (between holding
 * a forward and its announcement arriving back); {@link #claimedNotRouted} and {@link #claiming} put
 * a name in the registry, announced, and mark it as being claimed here, with no route.
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

  /**
   * Claims {@code serviceId} for this replica in the registry, announced, with no forward routing it.
   * Closing the returned handle releases it.
   */
  public static AutoCloseable claimedNotRouted(TunnelRegistry registry, String serviceId, String nodeId, String jobId) {
    if (!registry.claimService(serviceId, nodeId, jobId, false, null)) {
      throw new IllegalStateException("the registry did not give the name to this replica");
    }
    return () -> registry.release(RegistryTarget.Kind.SERVICE, serviceId);
  }

  /** Marks {@code id} as being claimed by a tunnel here, as a forward's claim does until it routes the name. */
  public static AutoCloseable claiming(LocalForwards forwards, RegistryTarget.Kind kind, String id) {
    forwards.claimStarted(kind, id);
    return () -> forwards.claimEnded(kind, id);
  }

  /** The token another replica passes a request on to this one with ({@link ReplicaIdentity#RELAY_HEADER}). */
  public static String relayToken(ReplicaIdentity replica) {
    return replica.token();
  }
}
