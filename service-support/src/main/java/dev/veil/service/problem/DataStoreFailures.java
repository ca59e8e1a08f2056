package dev.veil.service.problem;

import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/**
 * A data store that cannot answer is 503 {@code store-unavailable}: the request may be retried.
 * Nothing was accepted when the store could not be reached; when it did not answer in time, a
 * write may still have been made (the command was sent, only its answer is missing), and the
 * answer says so (the market's posts take an {@code Idempotency-Key}, to be repeated safely). That is Spring's {@link DataAccessException}, and Lettuce's own failures
 * where Spring Data Redis does not translate them (a reactive command issued while the client is
 * disconnected fails with a bare {@code io.lettuce.core.RedisException}, "Currently not connected",
 * found by the market's outage test): every {@code RedisException} but an error Redis itself
 * answered ({@code RedisCommandExecutionException}, a bug of ours, which stays a 500). Registered
 * only where spring-tx is on the classpath; Lettuce is recognised by name, so it is not needed.
 */
public final class DataStoreFailures implements ProblemClassifier {

  private static final Logger log = LoggerFactory.getLogger(DataStoreFailures.class);
  private static final String LETTUCE_FAILURE = "io.lettuce.core.RedisException";
  private static final String REDIS_ANSWERED_AN_ERROR = "io.lettuce.core.RedisCommandExecutionException";
  private static final String LETTUCE_TIMEOUT = "io.lettuce.core.RedisCommandTimeoutException";

  @Override
  public Optional<ProblemDetail> classify(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof DataAccessException || isUnreachableRedis(t)) {
        log.warn("store unavailable: {}", t.getClass().getSimpleName());
        return Optional.of(ProblemMapping.problem(HttpStatus.SERVICE_UNAVAILABLE, ProblemTypes.UNAVAILABLE, "Unavailable",
            timedOut(error)
                ? "the store did not answer in time: a change asked for may or may not have been made; check before "
                    + "repeating it. Retry shortly"
                : "the store cannot be reached right now; nothing was accepted. Retry shortly"));
      }
    }
    return Optional.empty();
  }

  private static boolean timedOut(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof org.springframework.dao.QueryTimeoutException || t.getClass().getName().equals(LETTUCE_TIMEOUT)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isUnreachableRedis(Throwable error) {
    boolean lettuce = false;
    for (Class<?> type = error.getClass(); type != null; type = type.getSuperclass()) {
      if (type.getName().equals(REDIS_ANSWERED_AN_ERROR)) {
        return false;
      }
      lettuce |= type.getName().equals(LETTUCE_FAILURE);
    }
    return lettuce;
  }
}
