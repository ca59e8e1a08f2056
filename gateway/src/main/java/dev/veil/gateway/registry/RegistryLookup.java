package dev.veil.gateway.registry;

import dev.veil.model.market.RegistryKeys;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Reads one name from the registry job-market keeps (layout in {@link RegistryKeys}). A node wins
 * over a service of the same ID: a host cannot shadow another node by naming a service after it.
 */
@Component
public class RegistryLookup {

  private static final Logger log = LoggerFactory.getLogger(RegistryLookup.class);

  private final ReactiveStringRedisTemplate redis;

  public RegistryLookup(ReactiveStringRedisTemplate redis) {
    this.redis = redis;
  }

  public Mono<Optional<RegistryTarget>> find(String id) {
    // Both reads go out together on the one multiplexed connection: a miss costs one round trip.
    Mono<Optional<RegistryTarget>> node = field(RegistryKeys.NODE + id, RegistryKeys.API_URL)
        .map(url -> target(RegistryTarget.Kind.NODE, id, url));
    Mono<Optional<RegistryTarget>> service = field(RegistryKeys.SERVICE + id, RegistryKeys.UPSTREAM)
        .map(url -> target(RegistryTarget.Kind.SERVICE, id, url));
    return Mono.zip(node, service, (n, s) -> n.isPresent() ? n : s);
  }

  private Mono<Optional<String>> field(String key, String field) {
    return redis.<String, String>opsForHash().get(key, field).map(Optional::of).defaultIfEmpty(Optional.empty());
  }

  // job-market only stores http(s) URLs with a host; anything else is never proxied to.
  private static Optional<RegistryTarget> target(RegistryTarget.Kind kind, String id, Optional<String> url) {
    if (url.isEmpty()) {
      return Optional.empty();
    }
    try {
      URI stored = URI.create(url.get());
      if ((!"http".equals(stored.getScheme()) && !"https".equals(stored.getScheme())) || stored.getHost() == null) {
        throw new URISyntaxException(url.get(), "not an http(s) URL with a host");
      }
      // Scheme, host and port only: a path or user info in the entry never reaches the request.
      URI base = new URI(stored.getScheme(), null, stored.getHost(), stored.getPort(), null, null, null);
      return Optional.of(new RegistryTarget(kind, id, base));
    } catch (URISyntaxException | IllegalArgumentException e) {
      log.warn("a registry entry of kind {} holds an unusable URL; not routing to it", kind);
      return Optional.empty();
    }
  }
}
