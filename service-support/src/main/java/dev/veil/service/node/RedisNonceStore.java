package dev.veil.service.node;

import java.time.Duration;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import reactor.core.publisher.Mono;

/**
 * Nonces of node-signed requests already seen, so each signed request is accepted once.
 *
 * <h2>Storage details</h2>
 * <pre>
 * SET &lt;prefix&gt;&lt;nodeId&gt;:&lt;nonce&gt; 1 NX PX 120000      -- e.g. veil:session:nonce:7kJ...:4Tq...
 * </pre>
 * kept for twice the allowed clock skew: past that the timestamp check refuses the request anyway.
 */
public class RedisNonceStore {

  private final ReactiveStringRedisTemplate redis;

  private final String prefix;

  /** @param prefix key prefix of the owning service, e.g. {@code veil:session:nonce:} */
  public RedisNonceStore(ReactiveStringRedisTemplate redis, String prefix) {
    this.redis = redis;
    this.prefix = prefix;
  }

  /** True the first time a node's nonce is seen, false on every replay. */
  public Mono<Boolean> claim(String nodeId, String nonce, Duration keepFor) {
    return redis.opsForValue().setIfAbsent(prefix + nodeId + ":" + nonce, "1", keepFor);
  }
}
