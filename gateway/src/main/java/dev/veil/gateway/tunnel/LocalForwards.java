package dev.veil.gateway.tunnel;

import dev.veil.gateway.registry.RegistryTarget;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forwards of the tunnels this replica holds: for each node or service ID, the loopback port
 * this gateway listens on for it, whose connections MINA carries into the node's tunnel, and, for
 * a service open to its job's owner only, who that is. Ports are the gateway's own choice on its
 * own loopback; a host names none of them. A port and its owner are one entry, replaced together.
 */
public final class LocalForwards {

  /**
   * One forward held here.
   *
   * @param port      this gateway's loopback port for it
   * @param ownerOnly for a service open to its job's owner only, who and which job; else null
   * @param node      the node whose tunnel it leads into
   * @param job       for a service, the job it is a service of; else null
   * @param claim     the claim the registry holds its name under ({@link TunnelRegistry}), new for each forward
   */
  public record Forward(int port, RegistryTarget.OwnerOnly ownerOnly, String node, String job, String claim) {}

  /**
   * Where every forward's listener is bound, and so where the gateway's clients reach it: the one
   * literal the listeners, the clients' pools and their disposal ({@link ForwardPools}) must share.
   */
  public static final String HOST = "127.0.0.1";

  private static final Logger log = LoggerFactory.getLogger(LocalForwards.class);

  private final Map<String, Forward> nodes = new ConcurrentHashMap<>();
  private final Map<String, Forward> services = new ConcurrentHashMap<>();
  /** Names a tunnel here is claiming in the registry, not routed yet: how many claims of each are under way. */
  private final Map<String, Integer> claiming = new ConcurrentHashMap<>();
  private final List<IntConsumer> portClosedListeners = new CopyOnWriteArrayList<>();
  private final Object[] nameLocks = new Object[64];

  public LocalForwards() {
    for (int i = 0; i < nameLocks.length; i++) {
      nameLocks[i] = new Object();
    }
  }

  /** Routes {@code id} to {@code forward}, in place of any forward it was routed to before. */
  void put(RegistryTarget.Kind kind, String id, Forward forward) {
    table(kind).put(id, forward);
  }

  void remove(RegistryTarget.Kind kind, String id, Forward forward) {
    table(kind).remove(id, forward);
  }

  /**
   * The lock under which a claim of {@code id} here and the routing it decides, a failed claim's
   * undoing, and a release's registry script run one at a time per name (one of 64, shared by names
   * alike modulo their count): held across a blocking Redis call, on the SSH server's threads only.
   */
  Object lock(RegistryTarget.Kind kind, String id) {
    return nameLocks[Math.floorMod(claimKey(kind, id).hashCode(), nameLocks.length)];
  }

  /** A tunnel here starts claiming {@code id} in the registry; {@link #claimEnded} when it has routed it or given up. */
  void claimStarted(RegistryTarget.Kind kind, String id) {
    claiming.merge(claimKey(kind, id), 1, Integer::sum);
  }

  void claimEnded(RegistryTarget.Kind kind, String id) {
    claiming.computeIfPresent(claimKey(kind, id), (key, count) -> count == 1 ? null : count - 1);
  }

  /**
   * Whether a tunnel here is claiming {@code id} now: the registry may already name this replica for
   * it while no forward here routes it yet.
   */
  public boolean isClaiming(RegistryTarget.Kind kind, String id) {
    return claiming.containsKey(claimKey(kind, id));
  }

  /** The forward this replica holds for {@code id}. */
  public Optional<Forward> forward(RegistryTarget.Kind kind, String id) {
    return Optional.ofNullable(table(kind).get(id));
  }

  /**
   * Whether {@code id} is routed to the forward listening on {@code port} now. True only between
   * that listener's bind and its unbind: whatever connected to the port meanwhile reached it.
   */
  public boolean isRouted(RegistryTarget.Kind kind, String id, int port) {
    Forward forward = table(kind).get(id);
    return forward != null && forward.port() == port;
  }

  /** The loopback port of a forward this replica holds. */
  public Optional<Integer> port(RegistryTarget.Kind kind, String id) {
    return forward(kind, id).map(Forward::port);
  }

  /**
   * Calls {@code listener} with a forward's port each time one is closed: routed here no more and
   * its listener unbound, so the kernel may give the port to the next forward, another node's.
   */
  public void whenPortCloses(IntConsumer listener) {
    portClosedListeners.add(listener);
  }

  /** Tells every {@link #whenPortCloses} listener that {@code port}'s forward is closed; one that fails stops none of the others. */
  void portClosed(int port) {
    for (IntConsumer listener : portClosedListeners) {
      try {
        listener.accept(port);
      } catch (RuntimeException e) {
        log.warn("a listener of closed forwards failed ({})", e.getClass().getSimpleName());
      }
    }
  }

  /** The address a forward's listener on {@code port} is reached at: the literal, no lookup. */
  public static InetSocketAddress address(int port) {
    return new InetSocketAddress(HOST, port);
  }

  public int size() {
    return nodes.size() + services.size();
  }

  private static String claimKey(RegistryTarget.Kind kind, String id) {
    return kind.name() + ":" + id;
  }

  private Map<String, Forward> table(RegistryTarget.Kind kind) {
    return kind == RegistryTarget.Kind.NODE ? nodes : services;
  }
}
