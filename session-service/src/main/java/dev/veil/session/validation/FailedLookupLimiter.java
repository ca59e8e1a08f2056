package dev.veil.session.validation;

import dev.veil.service.problem.ProblemException;
import dev.veil.session.caller.Caller;
import dev.veil.session.config.SessionProperties;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Limits failed validations per caller, so nobody can guess sessions through a host or service.
 *
 * <h2>Storage details</h2>
 * <pre>
 * INCR veil:session:fail:node:&lt;nodeId&gt;        -- on each failed validation
 * PEXPIRE veil:session:fail:node:&lt;nodeId&gt; 60000  -- set with the first failure of a window
 * </pre>
 * At {@code limit} failures within the window the caller gets 429 until the key expires.
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
  Mono<Void> check(Caller caller) {
    String key = key(caller);
    return redis.opsForValue().get(key)
        .filter(count -> Long.parseLong(count) >= settings.limit())
        .flatMap(over -> redis.getExpire(key).defaultIfEmpty(settings.window()))
        .flatMap(left -> Mono.<Void>error(ProblemException.rateLimited("too many failed session look-ups; slow down",
            left.isNegative() || left.isZero() ? settings.window() : left)));
  }

  Mono<Void> recordFailure(Caller caller) {
    String key = key(caller);
    return redis.opsForValue().increment(key)
        .filter(count -> count == 1)
        .flatMap(first -> redis.expire(key, settings.window()))
        .then();
  }

  private static String key(Caller caller) {
    return "veil:session:fail:" + caller.rateLimitKey();
  }
}
