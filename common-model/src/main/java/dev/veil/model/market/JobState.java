package dev.veil.model.market;

/** A job's state on the public market. */
public enum JobState {
  /** Waiting for a host. */
  QUEUED,
  /** Claimed by a host ({@code nodeId}); {@code hostStatus} says what it is doing. */
  RUNNING,
  /** The host published its result ({@code resultId}). */
  COMPLETED,
  /** Stopped by its owner before it completed. */
  STOPPED,
  /** No host claimed it within the market's longest queue time; nothing ran. */
  EXPIRED;

  public boolean isFinal() {
    return this == COMPLETED || this == STOPPED || this == EXPIRED;
  }
}
