package dev.veil.session.session;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Sessions in Redis.
 *
 * <h2>Storage details</h2>
 * A session with ID {@code 5Hk...} (handle {@code 9xQ...} = base58 SHA-256 of the ID), owned by
 * {@code 7kJ...}, created at 1764000000000 and expiring an hour later, scoped to job {@code Ab1...}:
 *
 * <pre>
 * HSET veil:session:s:9xQ... owner 7kJ... createdAt 1764000000000 expiresAt 1764003600000 jobId Ab1...
 * PEXPIREAT veil:session:s:9xQ... 1764003600000
 * ZADD veil:session:owner:7kJ... 1764003600000 9xQ...
 * PEXPIRE veil:session:owner:7kJ... &lt;max session lifetime&gt;
 * </pre>
 *
 * <ul>
 *   <li>{@code veil:session:s:<handle>} is the session. Redis deletes it at {@code expiresAt};
 *       readers also compare {@code expiresAt} with the service clock, so a session is never valid
 *       past its time even before Redis gets round to it. The ID itself is stored nowhere.</li>
 *   <li>{@code veil:session:owner:<owner>} indexes an owner's sessions by expiry, to list them and
 *       revoke them all. Members whose session has expired are pruned when the index is read;
 *       the index itself expires after the longest possible session lifetime.</li>
 * </ul>
 * Creation and revoke-all are Lua scripts, so the session and its index entry appear and
 * disappear together; creation first prunes the owner's expired entries and refuses a session
 * past the owner's quota of live ones, so no key can fill Redis with sessions. Revocation
 * deletes the session key: it takes effect at once.
 */
@Repository
public class RedisSessionStore {

  static final String SESSION = "veil:session:s:";
  static final String OWNER = "veil:session:owner:";

  private static final RedisScript<Long> CREATE = RedisScript.of("""
      redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])
      if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[8]) then return 0 end
      redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'createdAt', ARGV[2], 'expiresAt', ARGV[3])
      if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'jobId', ARGV[4]) end
      if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'nodeId', ARGV[5]) end
      redis.call('PEXPIREAT', KEYS[1], ARGV[3])
      redis.call('ZADD', KEYS[2], ARGV[3], ARGV[6])
      redis.call('PEXPIRE', KEYS[2], ARGV[7])
      return 1
      """, Long.class);

  private static final RedisScript<Long> REVOKE = RedisScript.of("""
      if redis.call('ZREM', KEYS[2], ARGV[1]) == 0 then return 0 end
      return redis.call('DEL', KEYS[1])
      """, Long.class);

  private static final RedisScript<Long> REVOKE_ALL = RedisScript.of("""
      local handles = redis.call('ZRANGE', KEYS[1], 0, -1)
      local removed = 0
      for _, handle in ipairs(handles) do
        removed = removed + redis.call('DEL', ARGV[1] .. handle)
      end
      redis.call('DEL', KEYS[1])
      return removed
      """, Long.class);

  private final ReactiveStringRedisTemplate redis;

  public RedisSessionStore(ReactiveStringRedisTemplate redis) {
    this.redis = redis;
  }

  /**
   * Stores a new session, unless its owner already holds {@code maxPerOwner} live ones: then it
   * answers false and stores nothing. {@code indexTtl} is the longest lifetime any session can have.
   */
  public Mono<Boolean> create(StoredSession s, Duration indexTtl, int maxPerOwner) {
    return redis.execute(CREATE, List.of(SESSION + s.handle(), OWNER + s.owner()), List.of(
            s.owner(), Long.toString(s.createdAt()), Long.toString(s.expiresAt()),
            s.jobId() == null ? "" : s.jobId(), s.nodeId() == null ? "" : s.nodeId(), s.handle(),
            Long.toString(indexTtl.toMillis()), Integer.toString(maxPerOwner)))
        .next()
        .map(created -> created == 1L);
  }

  /** The session with this handle, if Redis still has it. */
  public Mono<StoredSession> find(String handle) {
    return redis.<String, String>opsForHash().entries(SESSION + handle)
        .collectMap(Map.Entry::getKey, Map.Entry::getValue)
        .filter(fields -> fields.containsKey("owner") && fields.containsKey("expiresAt"))
        .map(fields -> new StoredSession(handle, fields.get("owner"), fields.get("jobId"), fields.get("nodeId"),
            Long.parseLong(fields.getOrDefault("createdAt", "0")), Long.parseLong(fields.get("expiresAt"))));
  }

  /** The owner's live sessions, soonest to expire first; prunes expired index entries. */
  public Flux<StoredSession> findByOwner(String owner, long nowMillis) {
    String index = OWNER + owner;
    return redis.opsForZSet().removeRangeByScore(index, Range.closed(Double.NEGATIVE_INFINITY, (double) nowMillis))
        .thenMany(redis.opsForZSet().rangeByScore(index, Range.leftOpen((double) nowMillis, Double.POSITIVE_INFINITY)))
        .concatMap(this::find);
  }

  /** Revokes one of the owner's sessions; false when the owner has no such session. */
  public Mono<Boolean> revoke(String owner, String handle) {
    return redis.execute(REVOKE, List.of(SESSION + handle, OWNER + owner), List.of(handle))
        .next().map(removed -> removed > 0);
  }

  /** Revokes every session of the owner; returns how many were live. */
  public Mono<Long> revokeAll(String owner) {
    return redis.execute(REVOKE_ALL, List.of(OWNER + owner), List.of(SESSION)).next().defaultIfEmpty(0L);
  }
}
