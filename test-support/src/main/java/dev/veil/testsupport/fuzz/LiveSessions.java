package dev.veil.testsupport.fuzz;

import java.util.function.Supplier;

/**
 * A session the service accepts, for the fuzzed requests that present a valid one: made on first
 * use, and made anew after a request may have revoked it.
 */
public final class LiveSessions implements Supplier<String> {

  private final Supplier<String> login;
  private String current;

  /** {@code login} makes a new session (a client logging in) and answers its ID. */
  public LiveSessions(Supplier<String> login) {
    this.login = login;
  }

  @Override
  public String get() {
    if (current == null) {
      current = login.get();
    }
    return current;
  }

  /** Forgets the session: the next request that wants a valid one logs in again. */
  public void renew() {
    current = null;
  }
}
