package dev.veil.session.session;

import java.time.Duration;
import java.util.HashMap;
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
 * HSET veil:{session}:s:9xQ... owner 7kJ... createdAt 1764000000000 expiresAt 1764003600000 jobId Ab1...
 * PEXPIREAT veil:{session}:s:9xQ... 1764003600000
 * ZADD veil:{session}:owner:7kJ... 1764003600000 9xQ...
 * PEXPIRE veil:{session}:owner:7kJ... &lt;max session lifetime&gt;
 * </pre>
 *
 * <ul>
 *   <li>{@code veil:{session}:s:<handle>} is the session. Redis deletes it at {@code expiresAt};
 *       readers also compare {@code expiresAt} with the service clock, so a session is never valid
 *       past its time even before Redis gets round to it. The ID itself is stored nowhere.</li>
 *   <li>{@code veil:{session}:owner:<owner>} indexes an owner's sessions by expiry, to list them and
 *       revoke them all. Members whose session has expired are pruned when the index is read;
 *       the index itself expires after the longest possible session lifetime.</li>
 *   <li>{@code veil:{session}:seen:<handle>} is the set of nodes that have validated the session
 *       (noted in the same script that reads it; it expires with the session). A revocation tells
 *       exactly these nodes, on the revocation feed (see {@link RevocationKeys}), so a node that
 *       keeps a validated session for a while forgets it as soon as it is revoked.</li>
 * </ul>
 * Creation and revocation are Lua scripts, so the session and its index entry appear and
 * disappear together, and a revocation's notice goes out in the same step; creation first prunes
 * the owner's expired entries and refuses a session past the owner's quota of live ones, so no
 * key can fill Redis with sessions. Revocation deletes the session key: it takes effect at once.
 */
@Repository
public class RedisSessionStore {

  static final String SESSION = "veil:{session}:s:";
  static final String OWNER = "veil:{session}:owner:";

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

  /**
   * Revokes one session: deletes it and its index entry, and tells the nodes that validated it
   * (its "seen" set) that it is gone, on the revocation feed's channel, numbered in sequence
   * within the feed's epoch. Every key it touches is declared (KEYS: session, owner's index, seen
   * set, feed epoch, feed sequence). ARGV: the handle, a fresh epoch should none exist, the
   * channel, the feed keys' lifetime (ms). 0 when the owner has no such session.
   */
  private static final RedisScript<Long> REVOKE = RedisScript.of(RevocationKeys.EPOCH_FUNCTION + """
      if redis.call('ZREM', KEYS[2], ARGV[1]) == 0 then return 0 end
      local removed = redis.call('DEL', KEYS[1])
      local nodes = redis.call('SMEMBERS', KEYS[3])
      if #nodes > 0 then
        redis.call('DEL', KEYS[3])
        local epoch = feed_epoch(KEYS[4], ARGV[2], ARGV[4])
        local seq = redis.call('INCR', KEYS[5])
        redis.call('PEXPIRE', KEYS[5], ARGV[4])
        redis.call('PUBLISH', ARGV[3], 'r ' .. epoch .. ' ' .. seq .. ' ' .. ARGV[1] .. ' ' .. table.concat(nodes, ' '))
      end
      return removed
      """, Long.class);

  /**
   * The session, and the calling node noted in its "seen" set in the same step — only when the
   * session is valid for that node and job (ARGV: node, job or '', now in ms) — so that a
   * revocation either comes after the note (and the node is told) or before the read (and the
   * node is answered "invalid"): never a valid answer the node is not told to forget, and never a
   * notice about a session the node was not given.
   */
  @SuppressWarnings("rawtypes")
  private static final RedisScript<List> FIND_NOTING_NODE = RedisScript.of("""
      local fields = redis.call('HGETALL', KEYS[1])
      if #fields == 0 then return fields end
      local expiresAt = redis.call('HGET', KEYS[1], 'expiresAt')
      local job = redis.call('HGET', KEYS[1], 'jobId')
      local node = redis.call('HGET', KEYS[1], 'nodeId')
      if expiresAt and tonumber(expiresAt) > tonumber(ARGV[3])
          and (not job or job == ARGV[2]) and (not node or node == ARGV[1]) then
        redis.call('SADD', KEYS[2], ARGV[1])
        redis.call('PEXPIREAT', KEYS[2], expiresAt)
      end
      return fields
      """, List.class);

  private final ReactiveStringRedisTemplate redis;
  private final RevocationKeys feed;

  public RedisSessionStore(ReactiveStringRedisTemplate redis, RevocationKeys feed) {
    this.redis = redis;
    this.feed = feed;
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
        .mapNotNull(fields -> session(handle, fields));
  }

  /**
   * The session with this handle, if Redis still has it, noting that {@code nodeId} has seen it
   * when it is valid for that node and {@code jobId} at {@code nowMillis}: if it is revoked, that
   * node is told on the revocation feed.
   */
  public Mono<StoredSession> findFor(String handle, String nodeId, String jobId, long nowMillis) {
    return redis.execute(FIND_NOTING_NODE, List.of(SESSION + handle, feed.seenPrefix() + handle),
            List.of(nodeId, jobId == null ? "" : jobId, Long.toString(nowMillis)))
        .next()
        .mapNotNull(flat -> {
          Map<String, String> fields = new HashMap<>();
          for (int i = 0; i + 1 < flat.size(); i += 2) {
            fields.put(String.valueOf(flat.get(i)), String.valueOf(flat.get(i + 1)));
          }
          return session(handle, fields);
        });
  }

  private static StoredSession session(String handle, Map<String, String> fields) {
    if (!fields.containsKey("owner") || !fields.containsKey("expiresAt")) {
      return null;
    }
    return new StoredSession(handle, fields.get("owner"), fields.get("jobId"), fields.get("nodeId"),
        Long.parseLong(fields.getOrDefault("createdAt", "0")), Long.parseLong(fields.get("expiresAt")));
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
    return revoked(owner, handle).map(removed -> removed > 0);
  }

  private Mono<Long> revoked(String owner, String handle) {
    return redis.execute(REVOKE, List.of(SESSION + handle, OWNER + owner, feed.seenPrefix() + handle, RevocationKeys.EPOCH,
            RevocationKeys.SEQUENCE), feed.scriptArgs(handle))
        .next().defaultIfEmpty(0L);
  }

  /**
   * Revokes every session of the owner, one by one (each script declares the keys it touches, so
   * the keys of sessions it reads from the index cannot be touched in the same script); returns
   * how many were live. A session made while this runs is not revoked, as if made just after; if
   * Redis fails midway, those already revoked stay revoked and the rest live (the call fails: 503).
   */
  public Mono<Long> revokeAll(String owner) {
    return redis.opsForZSet().range(OWNER + owner, Range.unbounded())
        .concatMap(handle -> revoked(owner, handle))
        .reduce(0L, Long::sum);
  }
}
