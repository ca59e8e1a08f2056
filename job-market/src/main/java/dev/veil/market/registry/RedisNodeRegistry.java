package dev.veil.market.registry;

import dev.veil.model.sealing.NodeEncryptionKey;
import java.time.Duration;
import java.util.Map;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Mono;

/**
 * The record of nodes the market knows: what each says of itself and when it was last seen.
 * Claims are taken only from a registered node. It holds no address: the gateway routes to nodes
 * only through their tunnels, and keeps that registry itself.
 *
 * <h2>Storage details</h2>
 * <pre>
 * HSET veil:registry:node:Nd9... version 0.1.0 gpu false capacity 1 lastSeen 1764000000000 \
 *      encryptionKey &lt;base64url&gt; encryptionKeySignature &lt;base64url&gt;   -- when the node sent one
 * PEXPIRE veil:registry:node:Nd9... 60000                       -- renewed by every PUT /v1/nodes/self
 * </pre>
 */
@Repository
public class RedisNodeRegistry {

  static final String NODE = "veil:registry:node:";

  private final ReactiveStringRedisTemplate redis;

  public RedisNodeRegistry(ReactiveStringRedisTemplate redis) {
    this.redis = redis;
  }

  /** Registers or renews a node. */
  public Mono<Void> renew(String nodeId, String version, boolean gpu, int capacity, NodeEncryptionKey encryptionKey,
      long nowMillis, Duration ttl) {
    String key = NODE + nodeId;
    Map<String, String> fields = new java.util.HashMap<>(Map.of("version", version == null ? "" : version,
        "gpu", Boolean.toString(gpu), "capacity", Integer.toString(capacity), "lastSeen", Long.toString(nowMillis)));
    if (encryptionKey != null) {
      fields.put("encryptionKey", encryptionKey.publicKey());
      fields.put("encryptionKeySignature", encryptionKey.signature());
    }
    // A node that no longer sends a key has none: an old one is not served on.
    Mono<Long> forgetKey = encryptionKey != null ? Mono.just(0L)
        : redis.<String, String>opsForHash().remove(key, "encryptionKey", "encryptionKeySignature");
    return forgetKey.then(redis.<String, String>opsForHash().putAll(key, fields))
        .then(redis.expire(key, ttl))
        .then();
  }

  public Mono<Boolean> isRegistered(String nodeId) {
    return redis.hasKey(NODE + nodeId);
  }

  /** A node's record as stored: what it says of itself, its encryption key included. */
  public Mono<Map<String, String>> node(String nodeId) {
    return redis.<String, String>opsForHash().entries(NODE + nodeId)
        .collectMap(Map.Entry::getKey, Map.Entry::getValue)
        .filter(fields -> !fields.isEmpty());
  }
}
