package dev.veil.market.registry;

import dev.veil.market.caller.NodeCaller;
import dev.veil.market.config.MarketProperties;
import dev.veil.model.id.RandomIds;
import dev.veil.model.market.NodeRegistration;
import dev.veil.model.market.ServiceRoute;
import dev.veil.model.validation.Violation;
import dev.veil.service.problem.ConflictException;
import dev.veil.service.problem.InvalidRequestException;
import dev.veil.service.problem.NotFoundException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** A node registers itself (and heartbeats by registering again) and its exposed services. Node-signed. */
@RestController
@Tag(name = "hosts")
class NodeController {

  // Public expose IDs are 44 base58 characters; private ones are 43 or 44.
  private static final Pattern SERVICE_ID = Pattern.compile("[1-9A-HJ-NP-Za-km-z]{32,64}");

  private final RedisNodeRegistry registry;
  private final MarketProperties properties;
  private final Clock clock;

  NodeController(RedisNodeRegistry registry, MarketProperties properties, Clock clock) {
    this.registry = registry;
    this.properties = properties;
    this.clock = clock;
  }

  /** Registers this node at {@code apiUrl}, or renews it and its routes for another {@code node-ttl}. */
  @PutMapping("/v1/nodes/self")
  @Operation(summary = "Register or renew this node")
  Mono<Map<String, Object>> register(@AuthenticationPrincipal NodeCaller node, @RequestBody NodeRegistration registration) {
    if (registration.apiUrl() == null || httpUrl(registration.apiUrl()) == null) {
      return Mono.error(new InvalidRequestException(List.of(new Violation("/apiUrl", "must be an absolute http(s) URL without a path"))));
    }
    return registry.renew(node.nodeId(), registration.apiUrl(), registration.version(), clock.millis(), properties.nodeTtl())
        .thenReturn(Map.of("nodeId", node.nodeId(), "ttlSeconds", properties.nodeTtl().toSeconds()));
  }

  /** Adds a route to one of this node's exposed services; the upstream must be on the node's own host. */
  @PutMapping("/v1/nodes/self/services/{serviceId}")
  @Operation(summary = "Register an exposed service route")
  Mono<Map<String, String>> addRoute(@AuthenticationPrincipal NodeCaller node, @PathVariable String serviceId,
      @RequestBody ServiceRoute route) {
    return registry.apiUrl(node.nodeId())
        .switchIfEmpty(Mono.error(() -> new ConflictException("register this node (PUT /v1/nodes/self) first")))
        .flatMap(apiUrl -> {
          List<Violation> violations = new ArrayList<>();
          if (!SERVICE_ID.matcher(serviceId).matches()) {
            violations.add(new Violation("/serviceId", "must be a base58 service ID"));
          }
          if (route.jobId() == null || !RandomIds.isWellFormed(route.jobId())) {
            violations.add(new Violation("/jobId", "must be a job ID"));
          }
          URI upstream = route.upstream() == null ? null : httpUrl(route.upstream());
          if (upstream == null) {
            violations.add(new Violation("/upstream", "must be an absolute http(s) URL without a path"));
          } else if (!upstream.getHost().equalsIgnoreCase(URI.create(apiUrl).getHost())) {
            violations.add(new Violation("/upstream", "must be on this node's own host (" + URI.create(apiUrl).getHost() + ")"));
          }
          if (!violations.isEmpty()) {
            return Mono.error(new InvalidRequestException(violations));
          }
          return registry.addRoute(node.nodeId(), serviceId, route.jobId(), route.upstream(), properties.nodeTtl())
              .filter(Boolean::booleanValue)
              .switchIfEmpty(Mono.error(() -> new ConflictException("that service ID is registered by another node")))
              .thenReturn(Map.of("serviceId", serviceId));
        });
  }

  /** Withdraws a route at once; the gateway stops routing to it immediately. */
  @DeleteMapping("/v1/nodes/self/services/{serviceId}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  @Operation(summary = "Withdraw an exposed service route")
  Mono<Void> removeRoute(@AuthenticationPrincipal NodeCaller node, @PathVariable String serviceId) {
    return registry.removeRoute(node.nodeId(), serviceId)
        .filter(Boolean::booleanValue)
        .switchIfEmpty(Mono.error(() -> new NotFoundException("this node has no such route")))
        .then();
  }

  private static URI httpUrl(String value) {
    try {
      URI uri = new URI(value);
      boolean http = "http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme());
      boolean bare = uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/");
      return http && uri.getHost() != null && bare && uri.getRawQuery() == null && uri.getUserInfo() == null ? uri : null;
    } catch (Exception e) {
      return null;
    }
  }
}
