package dev.veil.gateway.tunnel;

import dev.veil.gateway.registry.RegistryTarget;
import dev.veil.model.id.RandomIds;
import dev.veil.model.market.JobRecord;
import dev.veil.tunnel.ForwardName;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.sshd.common.forward.DefaultForwarder;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One tunnel's forwards, on the gateway. A {@code tcpip-forward} request's "address" is read as a
 * {@link ForwardName}, never bound or resolved: the gateway listens for it on a loopback port of
 * its own choosing, claims the ID the rules give the name, and routes that ID there. Refused:
 * any other address, any port but 0, a service of a job the market does not say this node runs,
 * a private ID another node holds, a service named after a node, more than the per-node limit;
 * a tunnel refused more than {@value #MAX_REFUSALS} times is closed. Closing the tunnel releases
 * every name at once.
 *
 * <p>The checks block (a market lookup, a Redis script, each bounded to a couple of seconds) on
 * the SSH server's thread for this session: SSH answers a session's global requests in order, and
 * only this session waits, with any other whose name shares the claim's lock ({@link
 * LocalForwards#lock}).
 */
final class NodeForwarder extends DefaultForwarder {

  // Not the class's own name: MINA's forwarder logs under that one, a WARN for every client that
  // drops a connection mid-body, which gateway's application.yml turns down to ERROR.
  private static final Logger log = LoggerFactory.getLogger("dev.veil.gateway.tunnel.forwards");
  /** Refused requests one tunnel may make; then it is closed (each may cost a market lookup). */
  static final int MAX_REFUSALS = 32;

  private final TunnelRegistry registry;
  private final LocalForwards local;
  private final JobHolders jobs;
  private final int maxForwards;
  private final MeterRegistry meters;
  private final Map<String, Claimed> claimed = new ConcurrentHashMap<>();
  private int refusals;

  NodeForwarder(ConnectionService service, TunnelRegistry registry, LocalForwards local, JobHolders jobs,
      int maxForwards, MeterRegistry meters) {
    super(service);
    this.registry = registry;
    this.local = local;
    this.jobs = jobs;
    this.maxForwards = maxForwards;
    this.meters = meters;
  }

  @Override
  public synchronized SshdSocketAddress localPortForwardingRequested(SshdSocketAddress requested) throws IOException {
    String nodeId = nodeId();
    Optional<ForwardName> name = ForwardName.parse(requested.getHostName());
    if (nodeId == null || name.isEmpty() || requested.getPort() != 0) {
      return refused("not a forward name", nodeId);
    }
    if (claimed.containsKey(name.get().wire())) {
      return refused("already forwarded", nodeId);
    }
    if (claimed.size() >= maxForwards) {
      return refused("too many forwards", nodeId);
    }
    RegistryTarget.Kind kind = name.get() instanceof ForwardName.Node ? RegistryTarget.Kind.NODE : RegistryTarget.Kind.SERVICE;
    String id = idOf(name.get(), nodeId);
    Optional<JobRecord> job = name.get().job().flatMap(jobId -> jobs.heldBy(nodeId, jobId));
    if (name.get().job().isPresent() && job.isEmpty()) {
      return refused("job not held by this node", nodeId);
    }
    if (name.get() instanceof ForwardName.PrivateService service && service.ownerOnly()
        && (job.get().owner() == null || job.get().owner().isBlank())) {
      return refused("job without an owner", nodeId);
    }
    // Open to the job's owner only: the owner the market names, never one the host names.
    RegistryTarget.OwnerOnly ownerOnly = name.get() instanceof ForwardName.PrivateService service && service.ownerOnly()
        ? new RegistryTarget.OwnerOnly(job.orElseThrow().owner(), job.get().jobId()) : null;
    SshdSocketAddress bound = super.localPortForwardingRequested(new SshdSocketAddress(LocalForwards.HOST, 0));
    if (bound == null) {
      return refused("no loopback port", nodeId);
    }
    // Routed here only once the registry says this tunnel holds it: routed while the claim was
    // decided, the name of a service another node holds would have sent that service's visitors into
    // this tunnel. Meanwhile the name is marked as being claimed here: a request that finds it
    // announced and not routed here yet is asked to come again (RegistryLookup), not told it does
    // not exist.
    local.claimStarted(kind, id);
    // This forward's own claim: its release drops the name only while the claim is still the name's.
    String claim = RandomIds.next();
    LocalForwards.Forward forward = new LocalForwards.Forward(bound.getPort(), ownerOnly, nodeId,
        name.get().job().orElse(null), claim);
    boolean ours = false;
    // The claim and the routing it decides, and a failed claim's undoing, run as one per name here,
    // against a release's script and another claim's (LocalForwards#lock).
    synchronized (local.lock(kind, id)) {
      try {
        ours = kind == RegistryTarget.Kind.NODE ? registry.claimNode(nodeId, claim)
            : registry.claimService(id, nodeId, forward.job(),
                name.get() instanceof ForwardName.PublicService, ownerOnly == null ? null : ownerOnly.owner(), claim);
        if (ours) {
          local.put(kind, id, forward);
        }
      } catch (RuntimeException e) {
        log.warn("cannot record a forward in the registry ({})", e.getClass().getSimpleName());
        undoClaim(kind, id, nodeId, claim);
      } finally {
        local.claimEnded(kind, id);
      }
    }
    if (!ours) {
      closeListener(bound.getPort());
      return refused("name in use", nodeId);
    }
    claimed.put(name.get().wire(), new Claimed(kind, id, forward));
    meters.counter("veil.gateway.tunnel.forwards.opened", "kind", kind.name().toLowerCase()).increment();
    return new SshdSocketAddress(requested.getHostName(), bound.getPort());
  }

  @Override
  public synchronized void localPortForwardingCancelled(SshdSocketAddress requested) throws IOException {
    Claimed forward = claimed.get(requested.getHostName());
    if (forward == null || forward.port() != requested.getPort()) {
      return;
    }
    release(requested.getHostName(), forward);
  }

  /** Releases every name of this tunnel; called by {@link TunnelServer} when the tunnel has closed. */
  synchronized void releaseAll() {
    List.copyOf(claimed.keySet()).forEach(wire -> {
      Claimed forward = claimed.get(wire);
      if (forward != null) {
        try {
          release(wire, forward);
        } catch (IOException | RuntimeException e) {
          log.warn("a forward did not close cleanly ({})", e.getClass().getSimpleName());
        }
      }
    });
  }

  int size() {
    return claimed.size();
  }

  private void release(String wire, Claimed forward) throws IOException {
    claimed.remove(wire);
    // Out of routing first, at once, whatever a claim of the name here holds its lock for; then out of
    // the registry, under the lock; then the listener goes.
    local.remove(forward.kind(), forward.id(), forward.forward());
    synchronized (local.lock(forward.kind(), forward.id())) {
      dropFromRegistry(forward.kind(), forward.id(), forward.forward().claim());
    }
    closeListener(forward.port());
  }

  /**
   * After {@code nodeId}'s claim whose answer did not come (a timeout: Redis may have run it all the
   * same, and runs what follows after it, {@link TunnelRegistry}'s commands sharing one connection).
   * The same node's other forward here that routes the name, if any, gets the entry back as its own;
   * else the claim is dropped (another node's forward may be a route this replica kept after the
   * name went elsewhere: never given the name back). Called under the name's lock, which a release's script takes after its
   * forward has left the table: a release between the look-up and the script would leave the name
   * handed back to a forward gone.
   */
  private void undoClaim(RegistryTarget.Kind kind, String id, String nodeId, String claim) {
    Optional<LocalForwards.Forward> holding = local.forward(kind, id).filter(forward -> forward.node().equals(nodeId));
    if (holding.isEmpty()) {
      dropFromRegistry(kind, id, claim);
      return;
    }
    try {
      registry.handBack(kind, id, claim, holding.get());
    } catch (RuntimeException e) {
      log.warn("cannot hand a name back to the forward that holds it ({}); the registry may keep it after that forward closes",
          e.getClass().getSimpleName());
    }
  }

  /**
   * Drops {@code id} from the registry while {@code claim} is still its claim there. A later claim
   * of it is left alone, whichever reaches Redis first: another tunnel's here (a node's new tunnel,
   * before its old one has gone; the registry's replica is the same) or another replica's.
   */
  private void dropFromRegistry(RegistryTarget.Kind kind, String id, String claim) {
    try {
      registry.release(kind, id, claim);
    } catch (RuntimeException e) {
      log.warn("cannot drop a forward from the registry ({}); other replicas may pass its requests on here, to be refused",
          e.getClass().getSimpleName());
    }
  }

  /**
   * Unbinds a forward's listener and has the gateway drop the connections it keeps alive to its
   * port ({@link LocalForwards#portClosed}): MINA closes the listener, not the connections it
   * accepted, which lead into this tunnel for as long as the node keeps them open, and the port is
   * free for the next forward once the listener is gone. Dropped before the unbind, so no idle one
   * is left when another forward may bind the port, and again after, for any a request opened in
   * between.
   */
  private void closeListener(int port) throws IOException {
    local.portClosed(port);
    try {
      super.localPortForwardingCancelled(new SshdSocketAddress(LocalForwards.HOST, port));
    } finally {
      local.portClosed(port);
    }
  }

  private static String idOf(ForwardName name, String nodeId) {
    if (name instanceof ForwardName.PublicService) {
      return ((ForwardName.PublicService) name).serviceId();
    }
    if (name instanceof ForwardName.PrivateService) {
      return ((ForwardName.PrivateService) name).serviceId();
    }
    return nodeId;
  }

  private String nodeId() {
    ServerSession session = (ServerSession) getSession();
    return session.isAuthenticated() ? session.getUsername() : null;
  }

  private SshdSocketAddress refused(String reason, String nodeId) {
    meters.counter("veil.gateway.tunnel.forwards.refused", "reason", reason).increment();
    log.info("refused a forward of node {}: {}", nodeId, reason);
    if (++refusals > MAX_REFUSALS) {
      log.warn("closing the tunnel of node {}: more than {} refused forwards", nodeId, MAX_REFUSALS);
      getSession().close(false);
    }
    return null;
  }

  private record Claimed(RegistryTarget.Kind kind, String id, LocalForwards.Forward forward) {

    int port() {
      return forward.port();
    }
  }
}
