package dev.veil.market.registry;

import dev.veil.market.caller.NodeCaller;
import dev.veil.market.config.MarketProperties;
import dev.veil.model.market.NodeRegistration;
import dev.veil.model.validation.Violation;
import dev.veil.service.problem.ProblemException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * A node registers itself, and heartbeats by registering again. Node-signed. Routes to a node and
 * its services are not kept here: the gateway learns them from the node's own tunnel.
 */
@RestController
@Tag(name = "hosts")
class NodeController {

  private static final int MAX_VERSION_LENGTH = 64;
  private static final int MAX_CAPACITY = 4096;

  private final RedisNodeRegistry registry;
  private final MarketProperties properties;
  private final Clock clock;

  NodeController(RedisNodeRegistry registry, MarketProperties properties, Clock clock) {
    this.registry = registry;
    this.properties = properties;
    this.clock = clock;
  }

  /** Registers this node, or renews it for another {@code node-ttl}. */
  @PutMapping("/v1/nodes/self")
  @Operation(summary = "Register or renew this node")
  Mono<Map<String, Object>> register(@AuthenticationPrincipal NodeCaller node, @RequestBody NodeRegistration registration) {
    if (registration.version() != null && registration.version().length() > MAX_VERSION_LENGTH) {
      return Mono.error(ProblemException.invalid(List.of(new Violation("/version", "must be at most " + MAX_VERSION_LENGTH + " characters"))));
    }
    if (registration.capacity() != null && (registration.capacity() < 1 || registration.capacity() > MAX_CAPACITY)) {
      return Mono.error(ProblemException.invalid(List.of(new Violation("/capacity", "must be between 1 and " + MAX_CAPACITY))));
    }
    return registry.renew(node.nodeId(), registration.version(), Boolean.TRUE.equals(registration.gpu()),
            registration.capacity() == null ? 1 : registration.capacity(), clock.millis(), properties.nodeTtl())
        .thenReturn(Map.of("nodeId", node.nodeId(), "ttlSeconds", properties.nodeTtl().toSeconds()));
  }
}
