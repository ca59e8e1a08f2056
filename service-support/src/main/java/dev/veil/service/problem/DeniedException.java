package dev.veil.service.problem;

/** A login that failed: the message is the same whatever failed, so it teaches an attacker nothing. */
public final class DeniedException extends RuntimeException {

  public DeniedException(String message) {
    super(message);
  }
}
