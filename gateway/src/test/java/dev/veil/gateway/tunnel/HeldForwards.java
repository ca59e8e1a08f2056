package dev.veil.gateway.tunnel;

import dev.veil.gateway.registry.RegistryTarget;
import dev.veil.model.id.RandomIds;

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
    LocalForwards.Forward forward = new LocalForwards.Forward(port, null, "a held node", null, RandomIds.next());
    forwards.put(kind, id, forward);
    return () -> forwards.remove(kind, id, forward);
  }

  /**
   * Claims {@code serviceId} for this replica in the registry, announced, with no forward routing it.
   * Closing the returned handle releases it.
   */
  public static AutoCloseable claimedNotRouted(TunnelRegistry registry, String serviceId, String nodeId, String jobId) {
    String claim = RandomIds.next();
    if (!registry.claimService(serviceId, nodeId, jobId, false, null, claim)) {
      throw new IllegalStateException("the registry did not give the name to this replica");
    }
    return () -> registry.release(RegistryTarget.Kind.SERVICE, serviceId, claim);
  }

  /**
   * Claims node {@code nodeId} for this replica in the registry, as one forward of its, with no
   * forward routing it; the handle's {@code release} is that forward's release, callable at any time.
   */
  public static NodeClaim claimNode(TunnelRegistry registry, String nodeId) {
    String claim = RandomIds.next();
    if (!registry.claimNode(nodeId, claim)) {
      throw new IllegalStateException("the registry did not give the node to this replica");
    }
    return () -> registry.release(RegistryTarget.Kind.NODE, nodeId, claim);
  }

  /** One claim of a node's name, as a forward holds it. */
  @FunctionalInterface
  public interface NodeClaim {

    /** Releases this claim as its forward's close would; true if that dropped the name. */
    boolean release();
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
