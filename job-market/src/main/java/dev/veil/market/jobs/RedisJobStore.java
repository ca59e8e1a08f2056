package dev.veil.market.jobs;

import dev.veil.market.config.MarketProperties;
import dev.veil.model.json.VeilJson;
import dev.veil.model.job.JobDefinition;
import dev.veil.model.market.JobRecord;
import dev.veil.model.market.JobState;
import dev.veil.model.result.JobStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.Limit;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Jobs, the queue and the leases in Redis. Every state change is a Lua script that declares every
 * key it touches ({@code KEYS}, all in the {@code {market}} hash slot), so each is atomic and runs
 * on a Redis Cluster as on one server: a job is posted whole or not at all, within its owner's
 * quota; a job is claimed by exactly one host, a lease renews only for its holder, a result
 * completes only the holder's job, and an expired lease re-queues a job exactly once. Where a
 * script's keys depend on data (a job's owner, the queue's head), that data is read first: an
 * owner never changes, and a popped job waits in the claiming set until the second step leases it.
 *
 * <h2>Storage details</h2>
 * Job {@code Ab1...} posted by {@code 7kJ...} at 1764000000000, claimed by node {@code Nd9...}:
 *
 * <pre>
 * -- post (script): within the owner's quota of queued jobs, or nothing
 * ZREMRANGEBYSCORE veil:{market}:owner-queued:7kJ... -inf (&lt;now - max queue time&gt;
 * ZCARD veil:{market}:owner-queued:7kJ...                        -- refused (429) at max-queued-jobs-per-owner
 * HSET veil:{market}:job:Ab1... owner 7kJ... state QUEUED definition '{"version":"0.1",...}' timeoutSeconds 3600 createdAt 1764000000000
 * PEXPIRE veil:{market}:job:Ab1... &lt;max queue time + retention&gt;
 * ZADD veil:{market}:queue 1764000000000 Ab1...                 -- FIFO by posting time
 * ZADD veil:{market}:owner-queued:7kJ... 1764000000000 Ab1...   -- the owner's queued jobs, for the quota
 * PEXPIRE veil:{market}:owner-queued:7kJ... &lt;max queue time + retention&gt;
 * PUBLISH veil:market:queued Ab1...                           -- wakes hosts waiting in a claim
 *
 * -- claim, first script: pop the oldest queued job into the claiming set
 * ZPOPMIN veil:{market}:queue
 * ZADD veil:{market}:claiming 1764000001000 Ab1...               -- put back in the queue by the reaper a lease later if
 *                                                                -- the second step never comes (the market stopped)
 * HGET veil:{market}:job:Ab1... owner                           -- (not a script: an owner never changes)
 * -- claim, second script: mark it, lease it
 * ZREM veil:{market}:claiming Ab1...
 * HSET veil:{market}:job:Ab1... state RUNNING nodeId Nd9... claimedAt 1764000001000
 * PEXPIRE veil:{market}:job:Ab1... &lt;its timeout + retention&gt;
 * ZREM veil:{market}:owner-queued:7kJ... Ab1...
 * ZADD veil:{market}:leases 1764000031000 Ab1...                -- lease expiry = now + lease
 *
 * -- heartbeat (script): only the holder renews
 * ZADD veil:{market}:leases XX 1764000061000 Ab1...
 *
 * -- result (script): only the holder completes
 * HSET veil:{market}:job:Ab1... state COMPLETED resultId sha256:... finishedAt ...
 * PEXPIRE veil:{market}:job:Ab1... &lt;retention&gt;
 * ZREM veil:{market}:leases Ab1...
 *
 * PUBLISH veil:market:jobs Ab1...                             -- after every change: SSE watchers re-read
 * </pre>
 *
 * A lease past its expiry (the host stopped heart-beating) puts the job back in the queue under
 * its original score, so it keeps its place; if the owner had asked it to stop, it is stopped
 * instead. A job still queued {@code max-queue-time} after it was posted ends {@code EXPIRED}.
 *
 * <p>Every key has a lifetime: a job's hash expires {@code retention} after it ends (and, as a
 * backstop, its queue time or its timeout plus {@code retention} after it was posted or claimed);
 * an owner's queued set empties as its jobs leave the queue and expires with them; the queue and
 * the leases hold only jobs that are queued or running.
 */
@Repository
public class RedisJobStore {

  static final String JOB = "veil:{market}:job:";
  static final String QUEUE = "veil:{market}:queue";
  static final String LEASES = "veil:{market}:leases";
  static final String OWNER_QUEUED = "veil:{market}:owner-queued:";
  /** Jobs popped from the queue by a claim not yet leased, by when the claim began. */
  static final String CLAIMING = "veil:{market}:claiming";
  /**
   * {@code <owner>:<SHA-256 of the Idempotency-Key>} → {@code <job ID> <SHA-256 of what was posted>},
   * for a day (or {@code retention}, if shorter: never longer than the job it names).
   */
  static final String POSTED = "veil:{market}:posted:";
  static final Duration POSTED_KEPT = Duration.ofHours(24);
  /** Channel: a job ID whenever that job changes. */
  public static final String JOBS_CHANNEL = "veil:market:jobs";
  /** Channel: a job ID whenever a job enters the queue. */
  public static final String QUEUED_CHANNEL = "veil:market:queued";

  // KEYS: job, queue, owner's queued set, the post's idempotency record. ARGV: job ID, owner, definition,
  // timeout seconds, posted at, quota, key lifetime (ms), oldest posting time still queued, queued channel,
  // jobs channel, the post's fingerprint ('' without an Idempotency-Key), how long the record is kept (ms).
  // Answers "created", "full" (nothing stored), or "posted <job ID> <fingerprint>" for a key already used.
  private static final RedisScript<String> CREATE = RedisScript.of("""
      if ARGV[11] ~= '' then
        local posted = redis.call('GET', KEYS[4])
        if posted then return 'posted ' .. posted end
      end
      redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[8])
      if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[6]) then return 'full' end
      redis.call('HSET', KEYS[1], 'owner', ARGV[2], 'state', 'QUEUED', 'definition', ARGV[3],
          'timeoutSeconds', ARGV[4], 'createdAt', ARGV[5])
      redis.call('PEXPIRE', KEYS[1], ARGV[7])
      redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
      redis.call('ZADD', KEYS[3], ARGV[5], ARGV[1])
      redis.call('PEXPIRE', KEYS[3], ARGV[7])
      redis.call('PUBLISH', ARGV[9], ARGV[1])
      redis.call('PUBLISH', ARGV[10], ARGV[1])
      if ARGV[11] ~= '' then redis.call('SET', KEYS[4], ARGV[1] .. ' ' .. ARGV[11], 'PX', ARGV[12]) end
      return 'created'
      """, String.class);

  // A claim is two scripts, so that each declares every key it touches: the first pops the oldest
  // queued ID into the claiming set (its job's keys are not known before), the second leases that
  // job to the node. A claim cut between them (the market died, or the host's long-poll ended or
  // its connection closed in between) is put back in the queue by the reaper once it is older than
  // a lease (REQUEUE_CLAIMING); meanwhile the job is QUEUED, in neither the queue nor the leases.
  // KEYS: queue, claiming. ARGV: now. Answers {job ID, posted at}, or nothing when the queue is empty.
  private static final RedisScript<List> CLAIM_POP = RedisScript.of("""
      local popped = redis.call('ZPOPMIN', KEYS[1])
      if #popped == 0 then return {} end
      redis.call('ZADD', KEYS[2], ARGV[1], popped[1])
      return popped
      """, List.class);

  // KEYS: claiming, leases, job, the owner's queued set. ARGV: node, now, lease (ms), job ID, owner, retention (ms).
  // 1: leased to the node; 0: not claimable (stopped, expired or gone meanwhile, or put back by the reaper).
  private static final RedisScript<Long> CLAIM_LEASE = RedisScript.of("""
      if redis.call('ZREM', KEYS[1], ARGV[4]) == 0 then return 0 end
      local job = redis.call('HMGET', KEYS[3], 'state', 'owner', 'timeoutSeconds')
      if job[1] ~= 'QUEUED' or job[2] ~= ARGV[5] then return 0 end
      redis.call('HSET', KEYS[3], 'state', 'RUNNING', 'nodeId', ARGV[1], 'claimedAt', ARGV[2])
      redis.call('HDEL', KEYS[3], 'hostStatus')
      redis.call('PEXPIRE', KEYS[3], tonumber(job[3]) * 1000 + tonumber(ARGV[6]))
      redis.call('ZREM', KEYS[4], ARGV[4])
      redis.call('ZADD', KEYS[2], tonumber(ARGV[2]) + tonumber(ARGV[3]), ARGV[4])
      return 1
      """, Long.class);

  // KEYS: claiming, queue, job. ARGV: job ID, the latest claim start still in progress. 1 when put back.
  private static final RedisScript<Long> REQUEUE_CLAIMING = RedisScript.of("""
      local started = redis.call('ZSCORE', KEYS[1], ARGV[1])
      if not started or tonumber(started) > tonumber(ARGV[2]) then return 0 end
      redis.call('ZREM', KEYS[1], ARGV[1])
      local job = redis.call('HMGET', KEYS[3], 'state', 'createdAt')
      if job[1] ~= 'QUEUED' then return 0 end
      redis.call('ZADD', KEYS[2], job[2], ARGV[1])
      return 1
      """, Long.class);

  private static final RedisScript<Long> HEARTBEAT = RedisScript.of("""
      if redis.call('HGET', KEYS[1], 'state') ~= 'RUNNING' or redis.call('HGET', KEYS[1], 'nodeId') ~= ARGV[1] then
        return -1
      end
      redis.call('ZADD', KEYS[2], 'XX', ARGV[2], ARGV[4])
      if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'hostStatus', ARGV[3]) end
      if redis.call('HGET', KEYS[1], 'stopRequested') == '1' then return 1 end
      return 0
      """, Long.class);

  // ARGV: node, result ID, now, job ID, host status, retention (ms).
  private static final RedisScript<String> FINISH = RedisScript.of("""
      if redis.call('HGET', KEYS[1], 'state') ~= 'RUNNING' or redis.call('HGET', KEYS[1], 'nodeId') ~= ARGV[1] then
        return ''
      end
      local state = 'COMPLETED'
      if redis.call('HGET', KEYS[1], 'stopRequested') == '1' then state = 'STOPPED' end
      redis.call('HSET', KEYS[1], 'state', state, 'resultId', ARGV[2], 'finishedAt', ARGV[3], 'hostStatus', ARGV[5])
      redis.call('PEXPIRE', KEYS[1], ARGV[6])
      redis.call('ZREM', KEYS[2], ARGV[4])
      return state
      """, String.class);

  // KEYS: job, queue, the owner's queued set. ARGV: now, job ID, owner, retention (ms).
  private static final RedisScript<String> STOP = RedisScript.of("""
      local job = redis.call('HMGET', KEYS[1], 'state', 'owner')
      if job[1] == 'QUEUED' and job[2] == ARGV[3] then
        redis.call('ZREM', KEYS[2], ARGV[2])
        redis.call('ZREM', KEYS[3], ARGV[2])
        redis.call('HSET', KEYS[1], 'state', 'STOPPED', 'finishedAt', ARGV[1])
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        return 'STOPPED'
      end
      if job[1] == 'RUNNING' then
        redis.call('HSET', KEYS[1], 'stopRequested', '1')
        return 'STOPPING'
      end
      return 'FINISHED'
      """, String.class);

  // One expired lease: the job re-queued, or ended STOPPED when a stop was asked for. Java finds the
  // expired leases and reads each job's owner first (it never changes), so every key is declared.
  // KEYS: leases, queue, job, the owner's queued set. ARGV: now, job ID, owner, retention (ms), queued lifetime (ms).
  // 1 when the job changed; 0 when its lease was renewed or dropped meanwhile, or it is no longer running.
  private static final RedisScript<Long> REAP = RedisScript.of("""
      local lease = redis.call('ZSCORE', KEYS[1], ARGV[2])
      if not lease or tonumber(lease) > tonumber(ARGV[1]) then return 0 end
      redis.call('ZREM', KEYS[1], ARGV[2])
      local job = redis.call('HMGET', KEYS[3], 'state', 'stopRequested', 'owner', 'createdAt')
      if job[1] ~= 'RUNNING' or job[3] ~= ARGV[3] then return 0 end
      if job[2] == '1' then
        redis.call('HSET', KEYS[3], 'state', 'STOPPED', 'finishedAt', ARGV[1])
        redis.call('PEXPIRE', KEYS[3], ARGV[4])
      else
        redis.call('HSET', KEYS[3], 'state', 'QUEUED')
        redis.call('HDEL', KEYS[3], 'nodeId', 'claimedAt', 'hostStatus')
        redis.call('PEXPIRE', KEYS[3], ARGV[5])
        redis.call('ZADD', KEYS[2], job[4], ARGV[2])
        redis.call('ZADD', KEYS[4], job[4], ARGV[2])
        redis.call('PEXPIRE', KEYS[4], ARGV[5])
      end
      return 1
      """, Long.class);

  // One job queued past max-queue-time, ended EXPIRED. KEYS: queue, job, the owner's queued set.
  // ARGV: now, oldest posting time still allowed in the queue, job ID, owner, retention (ms). 1 when it ended.
  private static final RedisScript<Long> EXPIRE_UNCLAIMED = RedisScript.of("""
      local posted = redis.call('ZSCORE', KEYS[1], ARGV[3])
      if not posted or tonumber(posted) >= tonumber(ARGV[2]) then return 0 end
      redis.call('ZREM', KEYS[1], ARGV[3])
      local job = redis.call('HMGET', KEYS[2], 'state', 'owner')
      if job[1] ~= 'QUEUED' or job[2] ~= ARGV[4] then return 0 end
      redis.call('ZREM', KEYS[3], ARGV[3])
      redis.call('HSET', KEYS[2], 'state', 'EXPIRED', 'finishedAt', ARGV[1])
      redis.call('PEXPIRE', KEYS[2], ARGV[5])
      return 1
      """, Long.class);

  private final ReactiveStringRedisTemplate redis;
  private final JsonMapper json = VeilJson.strict();
  private final Lifetimes lifetimes;

  public RedisJobStore(ReactiveStringRedisTemplate redis, MarketProperties properties) {
    this.redis = redis;
    this.lifetimes = new Lifetimes(properties.maxQueuedJobsPerOwner(), properties.maxQueueTime(), properties.retention());
  }

  /** How many jobs an owner may have queued, how long a job may wait in the queue, how long it is kept once ended. */
  record Lifetimes(int maxQueuedPerOwner, Duration maxQueueTime, Duration retention) {

    String retentionMillis() {
      return Long.toString(retention.toMillis());
    }

    /** A queued job's key lifetime: as long as it may wait, then as long as it is kept. */
    String queuedMillis() {
      return Long.toString(maxQueueTime.plus(retention).toMillis());
    }
  }

  /**
   * Stores a new job and queues it, in one step, unless its owner's quota of queued jobs is full
   * or {@code post} (when given: the post's Idempotency-Key) was used before by the same owner.
   */
  public Mono<Created> create(JobRecord job, PostKey post) {
    String definition = json.writeValueAsString(job.definition());
    String fingerprint = post == null ? "" : PostKey.fingerprint(definition, job.timeoutSeconds());
    return redis.execute(CREATE, List.of(JOB + job.jobId(), QUEUE, OWNER_QUEUED + job.owner(),
                POSTED + job.owner() + ":" + (post == null ? "-" : post.digest())),
            List.of(job.jobId(), job.owner(), definition, Long.toString(job.timeoutSeconds()),
                Long.toString(job.createdAt()), Integer.toString(lifetimes.maxQueuedPerOwner()), lifetimes.queuedMillis(),
                Long.toString(job.createdAt() - lifetimes.maxQueueTime().toMillis()), QUEUED_CHANNEL, JOBS_CHANNEL,
                fingerprint, Long.toString(Math.min(POSTED_KEPT.toMillis(), lifetimes.retention().toMillis()))))
        .next()
        .map(answer -> switch (answer) {
          case "created" -> Created.NEW;
          case "full" -> Created.QUOTA_FULL;
          default -> {
            String[] earlier = answer.split(" ");
            yield new Created(earlier[1], earlier[2].equals(fingerprint));
          }
        });
  }

  /**
   * What a post did: {@link #NEW}, {@link #QUOTA_FULL}, or, for an Idempotency-Key used before, the
   * job it made then and whether that post was the same as this one.
   */
  public record Created(String earlierJobId, boolean sameAsEarlier) {
    public static final Created NEW = new Created(null, false);
    public static final Created QUOTA_FULL = new Created("", false);
  }

  /** The most queued jobs one owner may have. */
  public int maxQueuedPerOwner() {
    return lifetimes.maxQueuedPerOwner();
  }

  public Mono<JobRecord> find(String jobId) {
    return redis.<String, String>opsForHash().entries(JOB + jobId)
        .collectMap(Map.Entry::getKey, Map.Entry::getValue)
        .filter(f -> f.containsKey("state"))
        .map(f -> new JobRecord(jobId, f.get("owner"), JobState.valueOf(f.get("state")),
            json.readValue(f.get("definition"), JobDefinition.class),
            Long.parseLong(f.get("timeoutSeconds")), Long.parseLong(f.get("createdAt")),
            f.get("nodeId"), longOrNull(f.get("claimedAt")), statusOrNull(f.get("hostStatus")),
            "1".equals(f.get("stopRequested")) ? Boolean.TRUE : null,
            longOrNull(f.get("finishedAt")), f.get("resultId")));
  }

  /**
   * Claims the oldest queued job for {@code nodeId}; empty when the queue is empty, or when
   * {@value #MAX_SKIPPED} jobs popped in a row were no longer claimable (the long-poll asks again).
   */
  public Mono<Claimed> claim(String nodeId, long nowMillis, Duration lease) {
    return claim(nodeId, nowMillis, lease, 1)
        .filter(claimed -> claimed != NOTHING_QUEUED)
        .flatMap(claimed -> changed(claimed.jobId()).thenReturn(claimed));
  }

  // A popped job that was no longer claimable (stopped or expired meanwhile) is skipped: the next one is tried.
  private Mono<Claimed> claim(String nodeId, long nowMillis, Duration lease, int attempt) {
    return claimOnce(nodeId, nowMillis, lease).switchIfEmpty(Mono.defer(() -> attempt < MAX_SKIPPED
        ? claim(nodeId, nowMillis, lease, attempt + 1) : Mono.just(NOTHING_QUEUED)));
  }

  /** How many unclaimable jobs one claim skips before it answers "nothing" (the long-poll asks again). */
  static final int MAX_SKIPPED = 16;
  private static final Claimed NOTHING_QUEUED = new Claimed("", 0);

  // The oldest queued job leased to the node; NOTHING_QUEUED for an empty queue; empty when the popped job was not claimable.
  private Mono<Claimed> claimOnce(String nodeId, long nowMillis, Duration lease) {
    return redis.execute(CLAIM_POP, List.of(QUEUE, CLAIMING), List.of(Long.toString(nowMillis)))
        .next()
        .flatMap(popped -> {
          if (popped.isEmpty()) {
            return Mono.just(NOTHING_QUEUED);
          }
          String jobId = popped.get(0).toString();
          long postedAt = (long) Double.parseDouble(popped.get(1).toString());
          return ownerOf(jobId).flatMap(owner -> redis.execute(CLAIM_LEASE,
                  List.of(CLAIMING, LEASES, JOB + jobId, OWNER_QUEUED + owner),
                  List.of(nodeId, Long.toString(nowMillis), Long.toString(lease.toMillis()), jobId, owner,
                      lifetimes.retentionMillis()))
              .next())
              .filter(leased -> leased == 1L)
              .map(leased -> new Claimed(jobId, postedAt));
        });
  }

  /**
   * Puts back in the queue the jobs whose claim was cut between its two steps (the market
   * stopped) and began before {@code olderThanMillis}; answers their IDs.
   */
  public Flux<String> requeueCutClaims(long olderThanMillis) {
    return redis.opsForZSet().rangeByScore(CLAIMING, Range.closed(Double.NEGATIVE_INFINITY, (double) olderThanMillis),
            Limit.limit().count(BATCH))
        .concatMap(id -> redis.execute(REQUEUE_CLAIMING, List.of(CLAIMING, QUEUE, JOB + id),
                List.of(id, Long.toString(olderThanMillis))).next()
            .filter(back -> back == 1L)
            .flatMap(back -> redis.convertAndSend(QUEUED_CHANNEL, id).thenReturn(id)));
  }

  /** A claimed job and when it was posted. */
  public record Claimed(String jobId, long postedAt) {}

  /** Renews the holder's lease; empty when {@code nodeId} does not hold the job, else whether a stop was asked for. */
  public Mono<Boolean> heartbeat(String jobId, String nodeId, long nowMillis, Duration lease, JobStatus hostStatus) {
    String status = hostStatus == null ? "" : json.writeValueAsString(hostStatus).replace("\"", "");
    return redis.execute(HEARTBEAT, List.of(JOB + jobId, LEASES),
            List.of(nodeId, Long.toString(nowMillis + lease.toMillis()), status, jobId))
        .next()
        .filter(code -> code >= 0)
        .flatMap(code -> (hostStatus == null ? Mono.<Void>empty() : changed(jobId)).thenReturn(code == 1));
  }

  /** Ends the holder's job with its result; empty when {@code nodeId} does not hold it, else the final state. */
  public Mono<JobState> finish(String jobId, String nodeId, String resultId, long nowMillis, JobStatus status) {
    return redis.execute(FINISH, List.of(JOB + jobId, LEASES),
            List.of(nodeId, resultId, Long.toString(nowMillis), jobId, json.writeValueAsString(status).replace("\"", ""),
                lifetimes.retentionMillis()))
        .next()
        .filter(state -> !state.isEmpty())
        .map(JobState::valueOf)
        .flatMap(state -> changed(jobId).thenReturn(state));
  }

  /**
   * Stops {@code owner}'s job: a queued one at once, a running one by asking its holder. The owner
   * is the one its record names (it never changes, so it may be read first). Answers the outcome.
   */
  public Mono<StopOutcome> stop(String jobId, String owner, long nowMillis) {
    return redis.execute(STOP, List.of(JOB + jobId, QUEUE, OWNER_QUEUED + owner),
            List.of(Long.toString(nowMillis), jobId, owner, lifetimes.retentionMillis()))
        .next()
        .map(outcome -> switch (outcome) {
          case "STOPPED" -> StopOutcome.STOPPED;
          case "STOPPING" -> StopOutcome.STOPPING;
          default -> StopOutcome.ALREADY_FINISHED;
        })
        .flatMap(outcome -> (outcome == StopOutcome.ALREADY_FINISHED ? Mono.<Void>empty() : changed(jobId)).thenReturn(outcome));
  }

  public enum StopOutcome { STOPPED, STOPPING, ALREADY_FINISHED }

  /** Re-queues (or stops) jobs whose lease expired before {@code nowMillis}; answers their IDs. */
  public Flux<String> reapExpiredLeases(long nowMillis) {
    return redis.opsForZSet().rangeByScore(LEASES, Range.closed(Double.NEGATIVE_INFINITY, (double) nowMillis),
            Limit.limit().count(BATCH))
        .concatMap(id -> ownerOf(id).flatMap(owner -> redis.execute(REAP, List.of(LEASES, QUEUE, JOB + id, OWNER_QUEUED + owner),
                List.of(Long.toString(nowMillis), id, owner, lifetimes.retentionMillis(), lifetimes.queuedMillis())).next())
            .filter(changed -> changed == 1L)
            .flatMap(changed -> redis.convertAndSend(QUEUED_CHANNEL, id).then(changed(id)).thenReturn(id)));
  }

  /** The most leases reaped, or queued jobs expired, in one round. */
  static final int BATCH = 100;

  // A job's owner, read before a script that touches the owner's keys: it never changes. "-" for a
  // job whose record is gone (the script then finds nothing to change).
  private Mono<String> ownerOf(String jobId) {
    return redis.<String, String>opsForHash().get(JOB + jobId, "owner").defaultIfEmpty("-");
  }

  /** Ends {@code EXPIRED} the jobs still queued {@code max-queue-time} after they were posted; answers their IDs. */
  public Flux<String> expireUnclaimed(long nowMillis) {
    long oldestAllowed = nowMillis - lifetimes.maxQueueTime().toMillis();
    return redis.opsForZSet().rangeByScore(QUEUE, Range.rightOpen(Double.NEGATIVE_INFINITY, (double) oldestAllowed),
            Limit.limit().count(BATCH))
        .concatMap(id -> ownerOf(id).flatMap(owner -> redis.execute(EXPIRE_UNCLAIMED, List.of(QUEUE, JOB + id, OWNER_QUEUED + owner),
                List.of(Long.toString(nowMillis), Long.toString(oldestAllowed), id, owner, lifetimes.retentionMillis())).next())
            .filter(ended -> ended == 1L)
            .flatMap(ended -> changed(id).thenReturn(id)));
  }

  public Mono<Long> queuedCount() {
    return redis.opsForZSet().size(QUEUE);
  }

  public Mono<Long> runningCount() {
    return redis.opsForZSet().size(LEASES);
  }

  private Mono<Void> changed(String jobId) {
    return redis.convertAndSend(JOBS_CHANNEL, jobId).then();
  }

  private static Long longOrNull(String value) {
    return value == null ? null : Long.parseLong(value);
  }

  private JobStatus statusOrNull(String value) {
    return value == null ? null : json.readValue("\"" + value + "\"", JobStatus.class);
  }
}
