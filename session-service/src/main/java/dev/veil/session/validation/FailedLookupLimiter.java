package dev.veil.session.validation;

import dev.veil.service.problem.ProblemException;
import dev.veil.session.caller.Caller;
import dev.veil.session.config.SessionProperties;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Limits failed validations per caller <em>and</em> the client that presented the session (as
 * the caller reports it), so nobody can guess sessions through a host or service, and one client
 * guessing never turns other clients' valid sessions into refusals: only its own look-ups are
 * refused.
 *
 * <h2>Storage details</h2>
 * <pre>
 * INCR veil:session:fail:service:jobmarket:203.0.113.7        -- on each failed validation
 * PEXPIRE veil:session:fail:service:jobmarket:203.0.113.7 60000  -- set with the first failure of a window
 * </pre>
 * ({@code node:<nodeId>} for a host; {@code -} for a caller that names no client.) At
 * {@code limit} failures within the window that client, through that caller, gets 429 until the
 * key expires.
 */
@Component
class FailedLookupLimiter {

  private final ReactiveStringRedisTemplate redis;
  private final SessionProperties.FailedLookups settings;

  FailedLookupLimiter(ReactiveStringRedisTemplate redis, SessionProperties properties) {
    this.redis = redis;
    this.settings = properties.failedLookups();
  }

  /** Completes when the caller may look up; errors with 429 when it has failed too often. */
  Mono<Void> check(Caller caller, String client) {
    String key = key(caller, client);
    return redis.opsForValue().get(key)
        .filter(count -> Long.parseLong(count) >= settings.limit())
        .flatMap(over -> redis.getExpire(key).defaultIfEmpty(settings.window()))
        .flatMap(left -> Mono.<Void>error(ProblemException.rateLimited("too many failed session look-ups; slow down",
            left.isNegative() || left.isZero() ? settings.window() : left)));
  }

  Mono<Void> recordFailure(Caller caller, String client) {
    String key = key(caller, client);
    return redis.opsForValue().increment(key)
        .filter(count -> count == 1)
        .flatMap(first -> redis.expire(key, settings.window()))
        .then();
  }

  private static String key(Caller caller, String client) {
    return "veil:session:fail:" + caller.rateLimitKey() + ":" + (client == null ? "-" : client);
  }
}
