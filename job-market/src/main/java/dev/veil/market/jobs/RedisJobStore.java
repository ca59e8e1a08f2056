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
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Jobs, the queue and the leases in Redis. Every state change is one Lua script, so each is
 * atomic: a job is posted whole or not at all, within its owner's quota; a job is claimed by
 * exactly one host, a lease renews only for its holder, a result completes only the holder's
 * job, and an expired lease re-queues a job exactly once.
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
 * -- claim (script): pop the oldest queued job, mark it, lease it
 * ZPOPMIN veil:{market}:queue
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
  /** {@code <owner>:<SHA-256 of the Idempotency-Key>} → {@code <job ID> <SHA-256 of what was posted>}, for a day. */
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

  // ARGV: node, now, lease (ms), job key prefix, owner-queued prefix, retention (ms).
  private static final RedisScript<List> CLAIM = RedisScript.of("""
      while true do
        local popped = redis.call('ZPOPMIN', KEYS[1])
        if #popped == 0 then return {} end
        local key = ARGV[4] .. popped[1]
        local job = redis.call('HMGET', key, 'state', 'owner', 'timeoutSeconds')
        if job[1] == 'QUEUED' then
          redis.call('HSET', key, 'state', 'RUNNING', 'nodeId', ARGV[1], 'claimedAt', ARGV[2])
          redis.call('HDEL', key, 'hostStatus')
          redis.call('PEXPIRE', key, tonumber(job[3]) * 1000 + tonumber(ARGV[6]))
          redis.call('ZREM', ARGV[5] .. job[2], popped[1])
          redis.call('ZADD', KEYS[2], tonumber(ARGV[2]) + tonumber(ARGV[3]), popped[1])
          return {popped[1], popped[2]}
        end
      end
      """, List.class);

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

  // ARGV: now, job ID, owner-queued prefix, retention (ms).
  private static final RedisScript<String> STOP = RedisScript.of("""
      local job = redis.call('HMGET', KEYS[1], 'state', 'owner')
      if job[1] == 'QUEUED' then
        redis.call('ZREM', KEYS[2], ARGV[2])
        redis.call('ZREM', ARGV[3] .. job[2], ARGV[2])
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

  // ARGV: now, job key prefix, owner-queued prefix, retention (ms), queued lifetime (ms).
  private static final RedisScript<List> REAP = RedisScript.of("""
      local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 100)
      local changed = {}
      for _, id in ipairs(expired) do
        local key = ARGV[2] .. id
        redis.call('ZREM', KEYS[1], id)
        local job = redis.call('HMGET', key, 'state', 'stopRequested', 'owner', 'createdAt')
        if job[1] == 'RUNNING' then
          if job[2] == '1' then
            redis.call('HSET', key, 'state', 'STOPPED', 'finishedAt', ARGV[1])
            redis.call('PEXPIRE', key, ARGV[4])
          else
            redis.call('HSET', key, 'state', 'QUEUED')
            redis.call('HDEL', key, 'nodeId', 'claimedAt', 'hostStatus')
            redis.call('PEXPIRE', key, ARGV[5])
            redis.call('ZADD', KEYS[2], job[4], id)
            redis.call('ZADD', ARGV[3] .. job[3], job[4], id)
            redis.call('PEXPIRE', ARGV[3] .. job[3], ARGV[5])
          end
          table.insert(changed, id)
        end
      end
      return changed
      """, List.class);

  // KEYS: queue. ARGV: now, oldest posting time still allowed in the queue, job key prefix, owner-queued prefix, retention (ms).
  private static final RedisScript<List> EXPIRE_UNCLAIMED = RedisScript.of("""
      local stale = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2], 'LIMIT', 0, 100)
      local ended = {}
      for _, id in ipairs(stale) do
        local key = ARGV[3] .. id
        redis.call('ZREM', KEYS[1], id)
        local job = redis.call('HMGET', key, 'state', 'owner')
        if job[1] == 'QUEUED' then
          redis.call('ZREM', ARGV[4] .. job[2], id)
          redis.call('HSET', key, 'state', 'EXPIRED', 'finishedAt', ARGV[1])
          redis.call('PEXPIRE', key, ARGV[5])
          table.insert(ended, id)
        end
      end
      return ended
      """, List.class);

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
                fingerprint, Long.toString(POSTED_KEPT.toMillis())))
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

  /** Claims the oldest queued job for {@code nodeId}; empty when the queue is empty. */
  public Mono<Claimed> claim(String nodeId, long nowMillis, Duration lease) {
    return redis.execute(CLAIM, List.of(QUEUE, LEASES),
            List.of(nodeId, Long.toString(nowMillis), Long.toString(lease.toMillis()), JOB, OWNER_QUEUED,
                lifetimes.retentionMillis()))
        .next()
        .filter(result -> !result.isEmpty())
        .map(result -> new Claimed((String) result.get(0), (long) Double.parseDouble(result.get(1).toString())))
        .flatMap(claimed -> changed(claimed.jobId()).thenReturn(claimed));
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

  /** Stops a queued job at once, or asks the holder of a running one to stop. Answers the outcome. */
  public Mono<StopOutcome> stop(String jobId, long nowMillis) {
    return redis.execute(STOP, List.of(JOB + jobId, QUEUE),
            List.of(Long.toString(nowMillis), jobId, OWNER_QUEUED, lifetimes.retentionMillis()))
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
    return redis.execute(REAP, List.of(LEASES, QUEUE),
            List.of(Long.toString(nowMillis), JOB, OWNER_QUEUED, lifetimes.retentionMillis(), lifetimes.queuedMillis()))
        .next()
        .flatMapMany(ids -> Flux.fromIterable((List<?>) ids).map(Object::toString))
        .concatMap(id -> redis.convertAndSend(QUEUED_CHANNEL, id).then(changed(id)).thenReturn(id));
  }

  /** Ends {@code EXPIRED} the jobs still queued {@code max-queue-time} after they were posted; answers their IDs. */
  public Flux<String> expireUnclaimed(long nowMillis) {
    return redis.execute(EXPIRE_UNCLAIMED, List.of(QUEUE),
            List.of(Long.toString(nowMillis), Long.toString(nowMillis - lifetimes.maxQueueTime().toMillis()), JOB,
                OWNER_QUEUED, lifetimes.retentionMillis()))
        .next()
        .flatMapMany(ids -> Flux.fromIterable((List<?>) ids).map(Object::toString))
        .concatMap(id -> changed(id).thenReturn(id));
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
