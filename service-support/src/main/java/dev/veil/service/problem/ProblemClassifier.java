package dev.veil.service.problem;

import java.util.Optional;
import org.springframework.http.ProblemDetail;

/**
 * A mapping that only some services can make, because only they have the library whose
 * exceptions it recognises (a data store's, say). {@link ProblemMapping} asks each classifier
 * before its own general rules; the auto-configuration registers one only where its library is
 * on the classpath, so nothing in the shared mapping needs a class a service does not have.
 */
@FunctionalInterface
public interface ProblemClassifier {

  /** The problem {@code error} is, or empty when this classifier does not recognise it. */
  Optional<ProblemDetail> classify(Throwable error);
}
