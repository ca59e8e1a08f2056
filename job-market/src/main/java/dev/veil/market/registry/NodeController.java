package dev.veil.market.registry;

import dev.veil.market.caller.NodeCaller;
import dev.veil.market.config.MarketProperties;
import dev.veil.model.market.NodeRegistration;
import dev.veil.model.sealing.NodeEncryptionKey;
import dev.veil.model.validation.Violation;
import dev.veil.service.problem.ProblemException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
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

  /**
   * A registered node as it describes itself, to anyone: {@code nodeId}, {@code version},
   * {@code gpu}, {@code capacity}, and {@code encryptionKey} (what clients seal private definitions
   * to; they check its signature against the node ID themselves, trusting nothing here). 404 for a
   * node not registered now.
   */
  @GetMapping("/v1/nodes/{nodeId}")
  @Operation(summary = "A registered node, its encryption key included")
  Mono<Map<String, Object>> node(@PathVariable String nodeId) {
    return registry.node(nodeId)
        .map(fields -> {
          Map<String, Object> node = new java.util.LinkedHashMap<>();
          node.put("nodeId", nodeId);
          node.put("version", fields.getOrDefault("version", ""));
          node.put("gpu", Boolean.parseBoolean(fields.get("gpu")));
          node.put("capacity", Integer.parseInt(fields.getOrDefault("capacity", "1")));
          if (fields.containsKey("encryptionKey")) {
            node.put("encryptionKey", new NodeEncryptionKey(fields.get("encryptionKey"), fields.get("encryptionKeySignature")));
          }
          return node;
        })
        .switchIfEmpty(Mono.error(() -> ProblemException.notFound("no such node is registered")));
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
    if (registration.encryptionKey() != null && registration.encryptionKey().verifiedFor(node.nodeId()).isEmpty()) {
      return Mono.error(ProblemException.invalid(List.of(new Violation("/encryptionKey",
          "must be a 32-byte X25519 key (base64url) with this node key's signature of it"))));
    }
    return registry.renew(node.nodeId(), registration.version(), Boolean.TRUE.equals(registration.gpu()),
            registration.capacity() == null ? 1 : registration.capacity(), registration.encryptionKey(), clock.millis(),
            properties.nodeTtl())
        .thenReturn(Map.of("nodeId", node.nodeId(), "ttlSeconds", properties.nodeTtl().toSeconds()));
  }
}
