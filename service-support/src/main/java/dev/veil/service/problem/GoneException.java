package dev.veil.service.problem;

/** Something that was there once and never will be again (410): a result already collected or discarded. */
public final class GoneException extends RuntimeException {

  public GoneException(String message) {
    super(message);
  }
}
