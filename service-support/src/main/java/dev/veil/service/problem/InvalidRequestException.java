package dev.veil.service.problem;

import dev.veil.model.validation.Violation;
import java.util.List;

/** A request that parsed but whose values are wrong; carries every violation. */
public final class InvalidRequestException extends RuntimeException {

  private final List<Violation> violations;

  public InvalidRequestException(List<Violation> violations) {
    super(violations.size() + " violation(s)");
    this.violations = List.copyOf(violations);
  }

  public List<Violation> violations() {
    return violations;
  }
}
