package dev.veil.gateway.routing;

import dev.veil.gateway.registry.RegistryCache;
import dev.veil.gateway.registry.RegistryTarget;
import dev.veil.gateway.tunnel.RelayedRequests;
import dev.veil.service.problem.ProblemException;
import java.time.Duration;
import java.util.Optional;
import org.springframework.cloud.gateway.handler.AsyncPredicate;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Route predicates over the Host header: "names a registered node", "names a registered service",
 * "is under the node domain". The registry is asked once per request; what it said is kept on the
 * exchange for {@link ToRegisteredTarget}.
 */
public final class RegisteredName {

  /** Exchange attribute holding the {@link RegistryTarget} a request was routed by. */
  public static final String TARGET_ATTR = RegisteredName.class.getName() + ".target";
  private static final String LOOKED_UP_ATTR = RegisteredName.class.getName() + ".lookedUp";
  private static final String LOOKUP_FAILED_ATTR = RegisteredName.class.getName() + ".lookupFailed";

  private final NodeDomainHost hosts;
  private final RegistryCache registry;

  public RegisteredName(NodeDomainHost hosts, RegistryCache registry) {
    this.hosts = hosts;
    this.registry = registry;
  }

  /** The Host names a registered {@code kind}; the target is then on {@link #TARGET_ATTR}. */
  public AsyncPredicate<ServerWebExchange> is(RegistryTarget.Kind kind) {
    return exchange -> lookedUp(exchange).map(target -> {
      if (target.isPresent() && target.get().kind() == kind) {
        exchange.getAttributes().put(TARGET_ATTR, target.get());
        return true;
      }
      return false;
    });
  }

  /** The Host is under the node domain, whether it names anything or not. */
  public boolean isUnderNodeDomain(ServerWebExchange exchange) {
    return hosts.isUnderDomain(exchange.getRequest().getHeaders().getFirst(HttpHeaders.HOST));
  }

  @SuppressWarnings("unchecked")
  private Mono<Optional<RegistryTarget>> lookedUp(ServerWebExchange exchange) {
    Optional<RegistryTarget> known = (Optional<RegistryTarget>) exchange.getAttributes().get(LOOKED_UP_ATTR);
    if (known != null) {
      return Mono.just(known);
    }
    Optional<String> id = hosts.id(exchange.getRequest().getHeaders().getFirst(HttpHeaders.HOST));
    Mono<Optional<RegistryTarget>> found;
    if (id.isEmpty()) {
      found = Mono.just(Optional.empty());
    } else if (RelayedRequests.isRelayed(exchange)) {
      // Passed on by another replica: served from a tunnel here, or not at all (never passed on again).
      found = registry.resolveLocal(id.get());
    } else {
      found = registry.resolve(id.get());
    }
    return found
        .onErrorResume(error -> {
          // Spring Cloud Gateway skips a route whose predicate fails, which would end in the
          // unknown-name route's 404: a name that could not be looked up is not a name that does
          // not exist. The failure is kept for that route to answer with instead.
          exchange.getAttributes().put(LOOKUP_FAILED_ATTR, error);
          return Mono.just(Optional.empty());
        })
        .doOnNext(target -> exchange.getAttributes().put(LOOKED_UP_ATTR, target));
  }

  /**
   * The answer for a name under the node domain that nothing routes: the registry's failure if it
   * could not be asked (503); a node seen lately whose tunnel is closed now — its host is down or
   * reconnecting — is 503 {@code node-offline}, to ask again; anything else is 404, the same for a
   * name never used and one gone (a private service ID is never confirmed).
   */
  public Mono<Void> unrouted(ServerWebExchange exchange) {
    Optional<Throwable> failed = lookupFailure(exchange);
    if (failed.isPresent()) {
      return Mono.error(failed.get());
    }
    Optional<String> id = hosts.id(exchange.getRequest().getHeaders().getFirst(HttpHeaders.HOST));
    Mono<Boolean> knownNode = id.isEmpty() ? Mono.just(false) : registry.isKnownNode(id.get());
    return knownNode.flatMap(known -> Mono.error(known
        ? ProblemException.nodeOffline("this node is not connected to the gateway now; its host may be restarting",
            Duration.ofSeconds(5))
        : ProblemException.notFound("no node or service is registered under this name")));
  }

  /** Why the Host's name could not be looked up, if it could not: the registry did not answer. */
  public static Optional<Throwable> lookupFailure(ServerWebExchange exchange) {
    return Optional.ofNullable((Throwable) exchange.getAttributes().get(LOOKUP_FAILED_ATTR));
  }
}
