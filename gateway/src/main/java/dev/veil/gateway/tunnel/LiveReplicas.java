package dev.veil.gateway.tunnel;

/**
 * How many gateway replicas are alive, this one included, as the last heartbeat found
 * ({@link ReplicaHeartbeat}); 1 until the first, and the last count while Redis cannot answer.
 */
public final class LiveReplicas {

  private volatile int count = 1;

  /** At least 1. */
  public int count() {
    return count;
  }

  void set(long alive) {
    count = (int) Math.max(1, Math.min(alive, Integer.MAX_VALUE));
  }
}
