package dev.veil.service.problem;

/** Nothing there for this caller: absent and not theirs look the same. */
public final class NotFoundException extends RuntimeException {

  public NotFoundException(String message) {
    super(message);
  }
}
