package dev.veil.service.problem;

/** An authenticated caller asking for something its credential does not allow. */
public final class ForbiddenException extends RuntimeException {

  public ForbiddenException(String message) {
    super(message);
  }
}
