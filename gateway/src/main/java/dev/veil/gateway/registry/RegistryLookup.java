package dev.veil.gateway.registry;

import dev.veil.gateway.tunnel.LocalForwards;
import dev.veil.gateway.tunnel.TunnelRegistry;
import dev.veil.service.problem.ProblemException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Finds where a name is served: a tunnel this replica holds (its loopback listener), or the
 * replica that holds it (layout on {@link TunnelRegistry}). A node wins over a service of the same ID.
 */
@Component
public class RegistryLookup {

  private static final Logger log = LoggerFactory.getLogger(RegistryLookup.class);

  private static final Duration CHANGING_HANDS_RETRY = Duration.ofSeconds(1);

  private final TunnelRegistry registry;
  private final LocalForwards local;

  public RegistryLookup(TunnelRegistry registry, LocalForwards local) {
    this.registry = registry;
    this.local = local;
  }

  /** A tunnel this replica holds, node first; no Redis call. */
  public Optional<RegistryTarget> findLocal(String id) {
    return local(RegistryTarget.Kind.NODE, id).or(() -> local(RegistryTarget.Kind.SERVICE, id));
  }

  /**
   * What the registry says {@code id} names. A name it says this replica holds which a tunnel here
   * is still claiming, not routed yet, is an error, to ask again (503): the claim has been announced,
   * its routing is a moment away, and a "not found" would tell a visitor the name does not exist.
   */
  public Mono<Optional<RegistryTarget>> find(String id) {
    return registry.find(id).flatMap(holder -> holder.isEmpty() || holder.get().url() != null
        ? Mono.just(holder.flatMap(found -> relay(found, id)))
        : here(holder.get().kind(), id));
  }

  /**
   * What {@code id} names among the tunnels this replica holds (for a request another replica passed
   * on): a forward here, a name being claimed here (an error, to ask again), or nothing.
   */
  public Mono<Optional<RegistryTarget>> findHere(String id) {
    // Claiming is read before the routes: a claim that succeeds between the two reads has routed the name first.
    boolean claiming = local.isClaiming(RegistryTarget.Kind.NODE, id) || local.isClaiming(RegistryTarget.Kind.SERVICE, id);
    Optional<RegistryTarget> held = findLocal(id);
    return held.isPresent() || !claiming ? Mono.just(held) : changingHands();
  }

  private Mono<Optional<RegistryTarget>> here(RegistryTarget.Kind kind, String id) {
    boolean claiming = local.isClaiming(kind, id);
    Optional<RegistryTarget> routed = local(kind, id);
    return routed.isPresent() || !claiming ? Mono.just(routed) : changingHands();
  }

  private static Mono<Optional<RegistryTarget>> changingHands() {
    return Mono.error(() -> ProblemException.unavailable("this name is changing hands on this gateway; ask again",
        CHANGING_HANDS_RETRY));
  }

  /** Whether {@code id} names a node seen lately, whose tunnel is not open now. */
  public Mono<Boolean> isKnownNode(String id) {
    return registry.isKnownNode(id);
  }

  private Optional<RegistryTarget> local(RegistryTarget.Kind kind, String id) {
    return local.forward(kind, id).map(forward -> new RegistryTarget(kind, id, URI.create("http://" + LocalForwards.HOST + ":" + forward.port()),
        null, forward.ownerOnly()));
  }

  // Replica URLs are written by gateways only; still, nothing but scheme, host and port is used.
  private static Optional<RegistryTarget> relay(TunnelRegistry.Holder holder, String id) {
    try {
      URI stored = URI.create(holder.url());
      if ((!"http".equals(stored.getScheme()) && !"https".equals(stored.getScheme())) || stored.getHost() == null) {
        throw new URISyntaxException(holder.url(), "not an http(s) URL with a host");
      }
      URI base = new URI(stored.getScheme(), null, stored.getHost(), stored.getPort(), null, null, null);
      return Optional.of(new RegistryTarget(holder.kind(), id, base, holder.token(), holder.ownerOnly()));
    } catch (URISyntaxException | IllegalArgumentException e) {
      log.warn("a gateway replica registered an unusable URL; not relaying to it");
      return Optional.empty();
    }
  }
}
