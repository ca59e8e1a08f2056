package dev.veil.market.results;

import dev.veil.market.config.MarketProperties;
import dev.veil.model.id.Digests;
import dev.veil.model.json.CanonicalJson;
import dev.veil.model.json.VeilJson;
import dev.veil.model.result.FlowState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Pattern;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Mono;

/**
 * The public, content-addressed result store (the stand-in for IPFS). A result is stored as its
 * canonical JSON under {@code sha256:<hex of those bytes>}; the same result always gets the same
 * ID, and an ID always reads back the bytes it names.
 *
 * <h2>Storage details</h2>
 * <pre>
 * SET veil:market:result:sha256:9f86d0... '{"endTime":...,"errors":[],"opStates":[],...}' PX &lt;retention&gt;
 * </pre>
 * Kept for {@code retention}, as long as the record of the job that published it. Writing the
 * same ID again writes the same bytes (the ID is their hash) and only renews the lifetime.
 */
@Repository
public class RedisResultStore {

  private static final String RESULT = "veil:market:result:";
  private static final Pattern CONTENT_ID = Pattern.compile("sha256:[0-9a-f]{64}");

  private final ReactiveStringRedisTemplate redis;
  private final Duration retention;

  public RedisResultStore(ReactiveStringRedisTemplate redis, MarketProperties properties) {
    this.redis = redis;
    this.retention = properties.retention();
  }

  /** Stores the result and answers its content ID. */
  public Mono<String> put(FlowState result) {
    byte[] canonical = CanonicalJson.bytes(VeilJson.strict().valueToTree(result));
    String id = contentId(canonical);
    return redis.opsForValue().set(RESULT + id, new String(canonical, StandardCharsets.UTF_8), retention)
        .thenReturn(id);
  }

  /** The stored bytes of a result, as JSON text. */
  public Mono<String> get(String contentId) {
    return CONTENT_ID.matcher(contentId).matches() ? redis.opsForValue().get(RESULT + contentId) : Mono.empty();
  }

  static String contentId(byte[] bytes) {
    return "sha256:" + Digests.sha256Hex(bytes);
  }
}
