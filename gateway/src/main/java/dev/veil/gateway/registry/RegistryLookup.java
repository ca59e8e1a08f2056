package dev.veil.gateway.registry;

import dev.veil.gateway.tunnel.LocalForwards;
import dev.veil.gateway.tunnel.TunnelRegistry;
import java.net.URI;
import java.net.URISyntaxException;
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

  public Mono<Optional<RegistryTarget>> find(String id) {
    return registry.find(id).map(holder -> holder.flatMap(found -> found.url() == null
        ? local(found.kind(), id)
        : relay(found, id)));
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
