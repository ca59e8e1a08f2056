package dev.veil.gateway.tunnel;

import dev.veil.gateway.registry.RegistryTarget;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import reactor.core.publisher.Mono;

/**
 * Which gateway replica holds the tunnel for each node and service ID. Written only by the
 * gateway's tunnel side, as forwards open and close; hosts never write here.
 *
 * <h2>Storage details</h2>
 * Node {@code Nd9...} connected to replica {@code Rp4...}, forwarding public service {@code 3ng4...} of job {@code Ab1...}:
 *
 * <pre>
 * HSET veil:tunnel:node:Nd9... replica Rp4...
 * SADD veil:tunnel:known-nodes Nd9...                 -- a service can never be named after a node
 * HSET veil:tunnel:service:3ng4... replica Rp4... node Nd9... job Ab1...
 * HSET veil:tunnel:replica:Rp4... url http://10.0.0.7:8080 token ...   PEXPIRE 15000 (renewed every 5 s)
 * PUBLISH veil:tunnel:events service:3ng4...          -- on every change, so caches drop it at once
 * </pre>
 *
 * A name whose replica's key has lapsed (that replica died) routes nowhere and may be taken over;
 * a closing forward deletes its name only while it still points at this replica.
 */
public final class TunnelRegistry {

  public static final String NODE = "veil:tunnel:node:";
  public static final String SERVICE = "veil:tunnel:service:";
  public static final String KNOWN_NODES = "veil:tunnel:known-nodes";
  public static final String REPLICA = "veil:tunnel:replica:";
  public static final String EVENTS = "veil:tunnel:events";

  private static final RedisScript<Long> CLAIM_NODE = RedisScript.of("""
      redis.call('HSET', KEYS[1], 'replica', ARGV[1])
      redis.call('SADD', KEYS[2], ARGV[2])
      redis.call('PUBLISH', KEYS[3], 'node:' .. ARGV[2])
      return 1
      """, Long.class);

  // KEYS: service key, known nodes, events; ARGV: replica, service ID, node, job, replica key prefix, public|private.
  // A public ID is the job's own (the market said this node runs it): it wins over anyone squatting it.
  private static final RedisScript<Long> CLAIM_SERVICE = RedisScript.of("""
      if redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 1 then return 0 end
      local holder = redis.call('HMGET', KEYS[1], 'replica', 'node')
      if ARGV[6] ~= 'public' and holder[1] and holder[2] ~= ARGV[3]
          and redis.call('EXISTS', ARGV[5] .. holder[1]) == 1 then return 0 end
      redis.call('HSET', KEYS[1], 'replica', ARGV[1], 'node', ARGV[3], 'job', ARGV[4])
      redis.call('PUBLISH', KEYS[3], 'service:' .. ARGV[2])
      return 1
      """, Long.class);

  private static final RedisScript<Long> RELEASE = RedisScript.of("""
      if redis.call('HGET', KEYS[1], 'replica') ~= ARGV[1] then return 0 end
      redis.call('DEL', KEYS[1])
      redis.call('PUBLISH', KEYS[2], ARGV[2])
      return 1
      """, Long.class);

  private final ReactiveStringRedisTemplate redis;
  private final ReplicaIdentity replica;
  private final Duration timeout;

  public TunnelRegistry(ReactiveStringRedisTemplate redis, ReplicaIdentity replica, Duration timeout) {
    this.redis = redis;
    this.replica = replica;
    this.timeout = timeout;
  }

  /** Routes a node's ID to this replica. Blocking: called on the SSH server's threads, never on a request path. */
  boolean claimNode(String nodeId) {
    return run(CLAIM_NODE, List.of(NODE + nodeId, KNOWN_NODES, EVENTS), List.of(replica.id(), nodeId));
  }

  /**
   * Routes a service ID to this replica, unless a node is named so, or (for a private ID) another
   * node's live tunnel holds it. Blocking.
   */
  boolean claimService(String serviceId, String nodeId, String jobId, boolean publicId) {
    return run(CLAIM_SERVICE, List.of(SERVICE + serviceId, KNOWN_NODES, EVENTS),
        List.of(replica.id(), serviceId, nodeId, jobId, REPLICA, publicId ? "public" : "private"));
  }

  /** Drops a name while it still points at this replica. Blocking. */
  boolean release(RegistryTarget.Kind kind, String id) {
    String key = (kind == RegistryTarget.Kind.NODE ? NODE : SERVICE) + id;
    String event = (kind == RegistryTarget.Kind.NODE ? "node:" : "service:") + id;
    return run(RELEASE, List.of(key, EVENTS), List.of(replica.id(), event));
  }

  private boolean run(RedisScript<Long> script, List<String> keys, List<String> args) {
    Long done = redis.execute(script, keys, args).next().block(timeout);
    return done != null && done == 1;
  }

  /** Renews this replica's liveness and the address and token other replicas pass requests on with. */
  Mono<Void> heartbeat(String url, Duration ttl) {
    String key = REPLICA + replica.id();
    return redis.<String, String>opsForHash().putAll(key, Map.of("url", url, "token", replica.token()))
        .then(redis.expire(key, ttl))
        .then();
  }

  /** Marks this replica gone, so its names route nowhere at once. Blocking: on shutdown. */
  void leave() {
    redis.delete(REPLICA + replica.id()).block(timeout);
  }

  /**
   * Which live replica holds {@code id}, a node before a service of the same ID: the replica's
   * ID, its URL and relay token.
   */
  public Mono<Optional<Holder>> find(String id) {
    Mono<Optional<Holder>> node = holder(RegistryTarget.Kind.NODE, NODE + id);
    Mono<Optional<Holder>> service = holder(RegistryTarget.Kind.SERVICE, SERVICE + id);
    return Mono.zip(node, service, (n, s) -> n.isPresent() ? n : s)
        .flatMap(found -> found.isEmpty() ? Mono.just(found) : live(found.get()));
  }

  private Mono<Optional<Holder>> holder(RegistryTarget.Kind kind, String key) {
    return redis.<String, String>opsForHash().get(key, "replica")
        .map(replicaId -> Optional.of(new Holder(kind, replicaId, null, null)))
        .defaultIfEmpty(Optional.empty());
  }

  private Mono<Optional<Holder>> live(Holder holder) {
    if (holder.replicaId().equals(replica.id())) {
      return Mono.just(Optional.of(holder));
    }
    return redis.<String, String>opsForHash().multiGet(REPLICA + holder.replicaId(), List.of("url", "token"))
        .map(fields -> fields.get(0) == null || fields.get(1) == null
            ? Optional.<Holder>empty()
            : Optional.of(new Holder(holder.kind(), holder.replicaId(), fields.get(0), fields.get(1))));
  }

  /**
   * @param kind      node or service
   * @param replicaId the replica holding the tunnel
   * @param url       that replica's URL inside the cluster; null when it is this one
   * @param token     its relay token; null when it is this one
   */
  public record Holder(RegistryTarget.Kind kind, String replicaId, String url, String token) {}
}
