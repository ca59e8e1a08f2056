package dev.veil.session.challenge;

import java.time.Duration;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Mono;

/**
 * Login challenges in Redis.
 *
 * <h2>Storage details</h2>
 * A challenge {@code 4Tq...} issued to client {@code 7kJ...}, valid until 1764000060000:
 *
 * <pre>
 * SET veil:session:challenge:4Tq... "7kJ... 1764000060000" PX 60000
 * GETDEL veil:session:challenge:4Tq...      -- on use: read and delete in one step
 * </pre>
 *
 * {@code GETDEL} makes a challenge single-use even under concurrent logins: only one of them
 * reads it. Redis deletes unused challenges when they expire; the issuer also compares the
 * stored expiry with its clock.
 */
@Repository
public class RedisChallengeStore {

  static final String CHALLENGE = "veil:session:challenge:";

  private final ReactiveStringRedisTemplate redis;

  public RedisChallengeStore(ReactiveStringRedisTemplate redis) {
    this.redis = redis;
  }

  /** An issued challenge, as stored. */
  public record IssuedChallenge(String publicKey, long expiresAt) {}

  public Mono<Void> save(String challenge, IssuedChallenge issued, Duration ttl) {
    return redis.opsForValue()
        .set(CHALLENGE + challenge, issued.publicKey() + " " + issued.expiresAt(), ttl)
        .then();
  }

  /** Takes the challenge out of the store: a second call finds nothing. */
  public Mono<IssuedChallenge> consume(String challenge) {
    return redis.opsForValue().getAndDelete(CHALLENGE + challenge).map(value -> {
      int space = value.indexOf(' ');
      return new IssuedChallenge(value.substring(0, space), Long.parseLong(value.substring(space + 1)));
    });
  }
}
