package dev.veil.session.caller;

import java.time.Duration;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Mono;

/**
 * Nonces of node-signed requests already seen, so each signed request is accepted once.
 *
 * <h2>Storage details</h2>
 * <pre>
 * SET veil:session:nonce:&lt;nodeId&gt;:&lt;nonce&gt; 1 NX PX 120000
 * </pre>
 * kept for twice the allowed clock skew: past that the timestamp check refuses the request anyway.
 */
@Repository
class RedisNonceStore {

  private final ReactiveStringRedisTemplate redis;

  RedisNonceStore(ReactiveStringRedisTemplate redis) {
    this.redis = redis;
  }

  /** True the first time a node's nonce is seen, false on every replay. */
  Mono<Boolean> claim(String nodeId, String nonce, Duration keepFor) {
    return redis.opsForValue().setIfAbsent("veil:session:nonce:" + nodeId + ":" + nonce, "1", keepFor);
  }
}
