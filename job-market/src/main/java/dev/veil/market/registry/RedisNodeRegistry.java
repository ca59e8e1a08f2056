package dev.veil.market.registry;

import dev.veil.model.market.RegistryKeys;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Mono;

/**
 * The registry of nodes and exposed-service routes, kept by job-market and read directly by the
 * gateway. Entries expire unless the node keeps heart-beating; withdrawals are announced so the
 * gateway's cache drops a route at once.
 *
 * <h2>Storage details</h2>
 * Node {@code Nd9...} at {@code http://10.0.0.5:9090}, exposing service {@code 3ng4...} of job {@code Ab1...}:
 *
 * <pre>
 * HSET veil:registry:node:Nd9... apiUrl http://10.0.0.5:9090 version 0.1.0 lastSeen 1764000000000
 * PEXPIRE veil:registry:node:Nd9... 60000                       -- renewed by every PUT /v1/nodes/self
 * HSET veil:registry:service:3ng4... upstream http://10.0.0.5:32768 nodeId Nd9... jobId Ab1...
 * PEXPIRE veil:registry:service:3ng4... 60000                   -- renewed with its node
 * SADD veil:registry:node-services:Nd9... 3ng4...                -- which routes to renew or drop with the node
 * PUBLISH veil:registry:events service:3ng4...                  -- on every change or withdrawal
 * </pre>
 *
 * A node ID is its Ed25519 public key; a service ID is the public or private expose ID. A route's
 * upstream must be on the node's own registered host, so a host cannot point the gateway at any
 * other address.
 */
@Repository
public class RedisNodeRegistry {

  private static final String NODE = RegistryKeys.NODE;
  private static final String SERVICE = RegistryKeys.SERVICE;
  private static final String NODE_SERVICES = RegistryKeys.NODE_SERVICES;
  private static final String EVENTS = RegistryKeys.EVENTS;

  private static final RedisScript<Long> RENEW = RedisScript.of("""
      redis.call('HSET', KEYS[1], 'apiUrl', ARGV[1], 'version', ARGV[2], 'lastSeen', ARGV[3])
      redis.call('PEXPIRE', KEYS[1], ARGV[4])
      local services = redis.call('SMEMBERS', KEYS[2])
      for _, id in ipairs(services) do
        if redis.call('PEXPIRE', ARGV[5] .. id, ARGV[4]) == 0 then redis.call('SREM', KEYS[2], id) end
      end
      if #services > 0 then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
      return #services
      """, Long.class);

  private static final RedisScript<Long> ADD_ROUTE = RedisScript.of("""
      local owner = redis.call('HGET', KEYS[1], 'nodeId')
      if owner and owner ~= ARGV[1] then return 0 end
      redis.call('HSET', KEYS[1], 'upstream', ARGV[2], 'nodeId', ARGV[1], 'jobId', ARGV[3])
      redis.call('PEXPIRE', KEYS[1], ARGV[4])
      redis.call('SADD', KEYS[2], ARGV[5])
      redis.call('PEXPIRE', KEYS[2], ARGV[4])
      return 1
      """, Long.class);

  private static final RedisScript<Long> REMOVE_ROUTE = RedisScript.of("""
      if redis.call('HGET', KEYS[1], 'nodeId') ~= ARGV[1] then return 0 end
      redis.call('DEL', KEYS[1])
      redis.call('SREM', KEYS[2], ARGV[2])
      return 1
      """, Long.class);

  private final ReactiveStringRedisTemplate redis;

  public RedisNodeRegistry(ReactiveStringRedisTemplate redis) {
    this.redis = redis;
  }

  /** Registers or renews a node and every route it holds. */
  public Mono<Void> renew(String nodeId, String apiUrl, String version, long nowMillis, Duration ttl) {
    return redis.execute(RENEW, List.of(NODE + nodeId, NODE_SERVICES + nodeId),
            List.of(apiUrl, version == null ? "" : version, Long.toString(nowMillis), Long.toString(ttl.toMillis()), SERVICE))
        .then(redis.convertAndSend(EVENTS, RegistryKeys.NODE_EVENT_PREFIX + nodeId))
        .then();
  }

  public Mono<Boolean> isRegistered(String nodeId) {
    return redis.hasKey(NODE + nodeId);
  }

  /** The node's registered API URL. */
  public Mono<String> apiUrl(String nodeId) {
    return redis.<String, String>opsForHash().get(NODE + nodeId, "apiUrl");
  }

  /** Adds or replaces a route of this node; false when the service ID belongs to another node. */
  public Mono<Boolean> addRoute(String nodeId, String serviceId, String jobId, String upstream, Duration ttl) {
    return redis.execute(ADD_ROUTE, List.of(SERVICE + serviceId, NODE_SERVICES + nodeId),
            List.of(nodeId, upstream, jobId, Long.toString(ttl.toMillis()), serviceId))
        .next()
        .flatMap(done -> done == 1
            ? redis.convertAndSend(EVENTS, RegistryKeys.SERVICE_EVENT_PREFIX + serviceId).thenReturn(true)
            : Mono.just(false));
  }

  /** Withdraws a route of this node; false when it has no such route. */
  public Mono<Boolean> removeRoute(String nodeId, String serviceId) {
    return redis.execute(REMOVE_ROUTE, List.of(SERVICE + serviceId, NODE_SERVICES + nodeId), List.of(nodeId, serviceId))
        .next()
        .flatMap(done -> done == 1
            ? redis.convertAndSend(EVENTS, RegistryKeys.SERVICE_EVENT_PREFIX + serviceId).thenReturn(true)
            : Mono.just(false));
  }

  /** A route as stored, for tests and operators. */
  public Mono<Map<String, String>> route(String serviceId) {
    return redis.<String, String>opsForHash().entries(SERVICE + serviceId)
        .collectMap(Map.Entry::getKey, Map.Entry::getValue)
        .filter(fields -> !fields.isEmpty());
  }
}
