package dev.veil.gateway.tunnel;

import dev.veil.gateway.registry.RegistryTarget;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.Limit;
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
 * HSET veil:{tunnel}:node:Nd9... replica Rp4... claim Cx2...   -- claim: new for each forward, so a release drops its own claim only
 * ZADD veil:{tunnel}:nodes-seen &lt;now&gt; Nd9...              -- a service can never be named after a node seen lately;
 * ZREMRANGEBYSCORE veil:{tunnel}:nodes-seen -inf (&lt;now - node-memory&gt;   PEXPIRE veil:{tunnel}:nodes-seen &lt;node-memory&gt;
 * HSET veil:{tunnel}:service:3ng4... replica Rp4... node Nd9... job Ab1... claim Cy7...
 *      [owner 7xK...]                                    -- a service its node opened to the job's owner only
 * SADD veil:{tunnel}:held:Rp4... node:Nd9... service:3ng4...   -- what each replica holds, to sweep if it dies
 * HSET veil:{tunnel}:replica:Rp4... url http://10.0.0.7:8080 token ...   PEXPIRE 15000 (renewed every 5 s)
 * ZADD veil:{tunnel}:replicas &lt;now&gt; Rp4...                -- when each replica last renewed
 * PUBLISH veil:{tunnel}:events service:3ng4...          -- on every change, so caches drop it at once
 * </pre>
 *
 * A name whose replica's key has lapsed (that replica died) routes nowhere and may be taken over;
 * a closing forward deletes its name only while its own claim is the name's (not a later forward's,
 * here or on another replica). Every key has a lifetime: names live as long as their forward, or,
 * if their replica dies, until a live replica sweeps them ({@link #sweepLapsed}); a replica's entry
 * expires on its own; the nodes seen are forgotten after {@code node-memory}. Scripts take the time
 * from Redis ({@code TIME}), so replicas with skewed clocks agree, and declare every key they touch
 * ({@code KEYS}): what a key depends on (a name's holder, a dead replica's names) is read first and
 * checked again inside.
 */
public final class TunnelRegistry {

  public static final String NODE = "veil:{tunnel}:node:";
  public static final String SERVICE = "veil:{tunnel}:service:";
  public static final String NODES_SEEN = "veil:{tunnel}:nodes-seen";
  public static final String REPLICA = "veil:{tunnel}:replica:";
  public static final String REPLICAS = "veil:{tunnel}:replicas";
  public static final String HELD = "veil:{tunnel}:held:";
  public static final String EVENTS = "veil:{tunnel}:events";
  /** A held name {@code node:<id>} or {@code service:<id>} is the key {@code veil:{tunnel}:<name>} and its event. */
  private static final String NAME_KEY_PREFIX = "veil:{tunnel}:";

  private static final String NOW = """
      local clock = redis.call('TIME')
      local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
      """;

  // KEYS: node key, nodes seen, events, this replica's held set; ARGV: replica, node ID, node memory (ms), claim.
  private static final RedisScript<Long> CLAIM_NODE = RedisScript.of(NOW + """
      redis.call('HSET', KEYS[1], 'replica', ARGV[1], 'claim', ARGV[4])
      redis.call('SADD', KEYS[4], 'node:' .. ARGV[2])
      redis.call('ZADD', KEYS[2], now, ARGV[2])
      redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. string.format('%d', now - tonumber(ARGV[3])))
      redis.call('PEXPIRE', KEYS[2], ARGV[3])
      redis.call('PUBLISH', KEYS[3], 'node:' .. ARGV[2])
      return 1
      """, Long.class);

  // KEYS: service key, nodes seen, events, this replica's held set, the key of the replica holding the
  // name now as read before ('-' for none); ARGV: replica, service ID, node, job, that replica ('' for none),
  // public|private, the owner it is open to ('' for anyone), claim. -1 when the holder changed since it was read.
  // A public ID is the job's own (the market said this node runs it): it wins over anyone squatting it.
  private static final RedisScript<Long> CLAIM_SERVICE = RedisScript.of("""
      if redis.call('ZSCORE', KEYS[2], ARGV[2]) then return 0 end
      local holder = redis.call('HMGET', KEYS[1], 'replica', 'node')
      if (holder[1] or '') ~= ARGV[5] then return -1 end
      if ARGV[6] ~= 'public' and holder[1] and holder[2] ~= ARGV[3]
          and redis.call('EXISTS', KEYS[5]) == 1 then return 0 end
      redis.call('HSET', KEYS[1], 'replica', ARGV[1], 'node', ARGV[3], 'job', ARGV[4], 'claim', ARGV[8])
      redis.call('HDEL', KEYS[1], 'owner')
      if ARGV[7] ~= '' then redis.call('HSET', KEYS[1], 'owner', ARGV[7]) end
      redis.call('SADD', KEYS[4], 'service:' .. ARGV[2])
      redis.call('PUBLISH', KEYS[3], 'service:' .. ARGV[2])
      return 1
      """, Long.class);

  // KEYS: name key, events, this replica's held set; ARGV: replica, name (node:<id> | service:<id>), claim.
  // A later claim of the name on this replica (a node's new tunnel) keeps it, and its place in the held set.
  private static final RedisScript<Long> RELEASE = RedisScript.of("""
      local holder = redis.call('HMGET', KEYS[1], 'replica', 'claim')
      if holder[1] == ARGV[1] and holder[2] ~= ARGV[3] then return 0 end
      redis.call('SREM', KEYS[3], ARGV[2])
      if holder[1] ~= ARGV[1] then return 0 end
      redis.call('DEL', KEYS[1])
      redis.call('PUBLISH', KEYS[2], ARGV[2])
      return 1
      """, Long.class);

  // KEYS: name key, events; ARGV: replica, a claim that failed here, name (node:<id> | service:<id>), and the
  // entry of the forward here that routes it: its claim, and for a service its node, job and owner ('' for none).
  private static final RedisScript<Long> HAND_BACK = RedisScript.of("""
      local holder = redis.call('HMGET', KEYS[1], 'replica', 'claim')
      if holder[1] ~= ARGV[1] or holder[2] ~= ARGV[2] then return 0 end
      redis.call('HSET', KEYS[1], 'claim', ARGV[4])
      if ARGV[5] ~= '' then
        redis.call('HSET', KEYS[1], 'node', ARGV[5], 'job', ARGV[6])
        redis.call('HDEL', KEYS[1], 'owner')
        if ARGV[7] ~= '' then redis.call('HSET', KEYS[1], 'owner', ARGV[7]) end
      end
      redis.call('PUBLISH', KEYS[2], ARGV[3])
      return 1
      """, Long.class);

  // KEYS: this replica's key, the replicas; ARGV: URL, relay token, TTL (ms), replica ID.
  // Answers how many replicas (this one included) renewed within the TTL.
  private static final RedisScript<Long> HEARTBEAT = RedisScript.of(NOW + """
      redis.call('HSET', KEYS[1], 'url', ARGV[1], 'token', ARGV[2])
      redis.call('PEXPIRE', KEYS[1], ARGV[3])
      redis.call('ZADD', KEYS[2], now, ARGV[4])
      return redis.call('ZCOUNT', KEYS[2], string.format('(%d', now - tonumber(ARGV[3])), '+inf')
      """, Long.class);

  // KEYS: this replica's key, the replicas; ARGV: TTL (ms), replica ID. Gone at once, and no longer
  // counted among the live replicas (its last beat moved back a TTL); swept with the rest later.
  private static final RedisScript<Long> LEAVE = RedisScript.of(NOW + """
      redis.call('DEL', KEYS[1])
      if redis.call('ZSCORE', KEYS[2], ARGV[2]) then
        redis.call('ZADD', KEYS[2], now - tonumber(ARGV[1]), ARGV[2])
      end
      return 1
      """, Long.class);

  // A replica silent for long whose key is gone died: the names it still holds (those not taken over
  // since) are dropped, one script per name, then the replica is forgotten once it holds none. Java
  // reads the lapsed replicas and their held names first, so every key is declared.
  // KEYS: the replicas, the replica's key, its held set, the name's key, events; ARGV: lapsed for (ms), replica, name.
  // 1 when the name was dropped.
  private static final RedisScript<Long> DROP_LAPSED = RedisScript.of(NOW + """
      local beat = redis.call('ZSCORE', KEYS[1], ARGV[2])
      if not beat or tonumber(beat) >= now - tonumber(ARGV[1]) or redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
      if redis.call('SREM', KEYS[3], ARGV[3]) == 0 then return 0 end
      if redis.call('HGET', KEYS[4], 'replica') ~= ARGV[2] then return 0 end
      redis.call('DEL', KEYS[4])
      redis.call('PUBLISH', KEYS[5], ARGV[3])
      return 1
      """, Long.class);

  // KEYS: the replicas, the replica's key, its held set; ARGV: lapsed for (ms), replica. Forgets a dead replica that holds nothing.
  private static final RedisScript<Long> FORGET_LAPSED = RedisScript.of(NOW + """
      local beat = redis.call('ZSCORE', KEYS[1], ARGV[2])
      if not beat or tonumber(beat) >= now - tonumber(ARGV[1]) or redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
      if redis.call('SCARD', KEYS[3]) > 0 then return 0 end
      redis.call('ZREM', KEYS[1], ARGV[2])
      return 1
      """, Long.class);

  private final ReactiveStringRedisTemplate redis;
  private final ReplicaIdentity replica;
  private final Duration timeout;
  private final Duration nodeMemory;

  public TunnelRegistry(ReactiveStringRedisTemplate redis, ReplicaIdentity replica, Duration timeout, Duration nodeMemory) {
    this.redis = redis;
    this.replica = replica;
    this.timeout = timeout;
    this.nodeMemory = nodeMemory;
  }

  /**
   * Routes a node's ID to this replica, as {@code claim} (new for every forward: {@link #release}
   * drops only that claim). Blocking: called on the SSH server's threads, never on a request path.
   */
  boolean claimNode(String nodeId, String claim) {
    return run(CLAIM_NODE, List.of(NODE + nodeId, NODES_SEEN, EVENTS, HELD + replica.id()),
        List.of(replica.id(), nodeId, Long.toString(nodeMemory.toMillis()), claim));
  }

  /**
   * Routes a service ID to this replica, unless a node is named so, or (for a private ID) another
   * node's live tunnel holds it; {@code owner} non-null: open to that owner only. As {@code claim},
   * like {@link #claimNode}. Blocking.
   */
  boolean claimService(String serviceId, String nodeId, String jobId, boolean publicId, String owner, String claim) {
    // The script checks the holder's replica is alive, so its key is read first; a holder that
    // changed meanwhile is read again.
    for (int attempt = 1; attempt <= CLAIM_ATTEMPTS; attempt++) {
      String holder = redis.<String, String>opsForHash().get(SERVICE + serviceId, "replica").defaultIfEmpty("").block(timeout);
      Long done = redis.execute(CLAIM_SERVICE, List.of(SERVICE + serviceId, NODES_SEEN, EVENTS, HELD + replica.id(),
                REPLICA + (holder == null || holder.isEmpty() ? "-" : holder)),
            List.of(replica.id(), serviceId, nodeId, jobId, holder == null ? "" : holder, publicId ? "public" : "private",
                owner == null ? "" : owner, claim))
          .next().block(timeout);
      if (done == null || done != -1) {
        return done != null && done == 1;
      }
    }
    return false;
  }

  /** How often a service claim reads its name's holder again when it changed between the read and the script. */
  static final int CLAIM_ATTEMPTS = 3;

  /**
   * Drops a name while {@code claim} is still its claim: a later claim of it, on this replica (a
   * node's new tunnel, whatever order the two reach Redis in) or another, is left alone. Blocking.
   */
  boolean release(RegistryTarget.Kind kind, String id, String claim) {
    String name = heldName(kind, id);
    return run(RELEASE, List.of(NAME_KEY_PREFIX + name, EVENTS, HELD + replica.id()), List.of(replica.id(), name, claim));
  }

  /**
   * Gives a name back to {@code holder}, the forward here that routes it, as that forward's own entry,
   * while {@code failed} (a claim whose answer did not come in time, which Redis may have run all the
   * same) is its claim. This replica's commands share one connection, so Redis runs this after that
   * claim. Blocking.
   */
  boolean handBack(RegistryTarget.Kind kind, String id, String failed, LocalForwards.Forward holder) {
    String name = heldName(kind, id);
    boolean service = kind == RegistryTarget.Kind.SERVICE;
    return run(HAND_BACK, List.of(NAME_KEY_PREFIX + name, EVENTS), List.of(replica.id(), failed, name, holder.claim(),
        service ? holder.node() : "", service && holder.job() != null ? holder.job() : "",
        service && holder.ownerOnly() != null ? holder.ownerOnly().owner() : ""));
  }

  /** {@code node:<id>} or {@code service:<id>}: a name as held sets and events spell it. */
  private static String heldName(RegistryTarget.Kind kind, String id) {
    return (kind == RegistryTarget.Kind.NODE ? "node:" : "service:") + id;
  }

  private boolean run(RedisScript<Long> script, List<String> keys, List<String> args) {
    Long done = redis.execute(script, keys, args).next().block(timeout);
    return done != null && done == 1;
  }

  /**
   * Renews this replica's liveness and the address and token other replicas pass requests on with;
   * answers how many replicas are alive, this one included.
   */
  Mono<Long> heartbeat(String url, Duration ttl) {
    return redis.execute(HEARTBEAT, List.of(REPLICA + replica.id(), REPLICAS),
            List.of(url, replica.token(), Long.toString(ttl.toMillis()), replica.id()))
        .next()
        .defaultIfEmpty(1L);
  }

  /**
   * Drops the names still held by replicas silent for {@code lapsedFor} whose key has expired (they
   * died without releasing them); answers how many. Safe on every replica at once.
   */
  Mono<Long> sweepLapsed(Duration lapsedFor) {
    String lapsed = Long.toString(lapsedFor.toMillis());
    return redis.execute(TIME_MILLIS, List.of(), List.of()).next()
        .flatMapMany(now -> redis.opsForZSet().rangeByScore(REPLICAS,
            Range.rightOpen(Double.NEGATIVE_INFINITY, (double) (now - lapsedFor.toMillis())), Limit.limit().count(10)))
        .filterWhen(dead -> redis.hasKey(REPLICA + dead).map(alive -> !alive))
        // At most SWEEP_BATCH names per dead replica a beat: a sweep never holds the beat up for long.
        .concatMap(dead -> redis.opsForSet().scan(HELD + dead).take(SWEEP_BATCH)
            .concatMap(name -> redis.execute(DROP_LAPSED, List.of(REPLICAS, REPLICA + dead, HELD + dead, NAME_KEY_PREFIX + name,
                EVENTS), List.of(lapsed, dead, name)).next())
            .reduce(0L, Long::sum)
            .flatMap(dropped -> redis.execute(FORGET_LAPSED, List.of(REPLICAS, REPLICA + dead, HELD + dead), List.of(lapsed, dead))
                .next().thenReturn(dropped)))
        .reduce(0L, Long::sum);
  }

  /** Names of one dead replica dropped in one sweep; the rest at the next beats. */
  static final int SWEEP_BATCH = 500;

  // Redis's clock in ms, the one the replicas' beats are scored by.
  private static final RedisScript<Long> TIME_MILLIS = RedisScript.of(NOW + "return now", Long.class);

  /**
   * Marks this replica gone, so its names route nowhere at once and the others stop counting it
   * ({@link #heartbeat}). Blocking: on shutdown.
   */
  void leave(Duration ttl) {
    redis.execute(LEAVE, List.of(REPLICA + replica.id(), REPLICAS), List.of(Long.toString(ttl.toMillis()), replica.id()))
        .next().block(timeout);
  }

  /** Whether {@code id} is a node that opened a tunnel within the node memory (offline now, perhaps). */
  public Mono<Boolean> isKnownNode(String id) {
    return redis.opsForZSet().score(NODES_SEEN, id).map(score -> true).defaultIfEmpty(false);
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
    return redis.<String, String>opsForHash().multiGet(key, List.of("replica", "owner", "job"))
        .map(fields -> fields.get(0) == null ? Optional.<Holder>empty()
            : Optional.of(new Holder(kind, fields.get(0), null, null, fields.get(1) == null || fields.get(2) == null ? null
                : new RegistryTarget.OwnerOnly(fields.get(1), fields.get(2)))))
        .defaultIfEmpty(Optional.empty());
  }

  private Mono<Optional<Holder>> live(Holder holder) {
    if (holder.replicaId().equals(replica.id())) {
      return Mono.just(Optional.of(holder));
    }
    return redis.<String, String>opsForHash().multiGet(REPLICA + holder.replicaId(), List.of("url", "token"))
        .map(fields -> fields.get(0) == null || fields.get(1) == null
            ? Optional.<Holder>empty()
            : Optional.of(new Holder(holder.kind(), holder.replicaId(), fields.get(0), fields.get(1), holder.ownerOnly())));
  }

  /**
   * @param kind      node or service
   * @param replicaId the replica holding the tunnel
   * @param url       that replica's URL inside the cluster; null when it is this one
   * @param token     its relay token; null when it is this one
   * @param ownerOnly for a service open to the job's owner only, who and which job; else null
   */
  public record Holder(RegistryTarget.Kind kind, String replicaId, String url, String token, RegistryTarget.OwnerOnly ownerOnly) {}
}
