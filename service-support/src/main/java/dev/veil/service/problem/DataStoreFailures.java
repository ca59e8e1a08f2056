package dev.veil.service.problem;

import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/**
 * A data store that cannot answer (Spring's {@link DataAccessException}, which Spring Data Redis
 * translates every Lettuce failure into) is 503 {@code store-unavailable}: the request may be
 * retried, nothing was accepted. Registered only where spring-tx is on the classpath.
 */
public final class DataStoreFailures implements ProblemClassifier {

  private static final Logger log = LoggerFactory.getLogger(DataStoreFailures.class);

  @Override
  public Optional<ProblemDetail> classify(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof DataAccessException) {
        log.warn("store unavailable: {}", t.getClass().getSimpleName());
        return Optional.of(ProblemMapping.problem(HttpStatus.SERVICE_UNAVAILABLE, ProblemTypes.UNAVAILABLE, "Unavailable",
            "the store cannot be reached right now; nothing was accepted. Retry shortly"));
      }
    }
    return Optional.empty();
  }
}
