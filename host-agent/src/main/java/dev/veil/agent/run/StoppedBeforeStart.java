package dev.veil.agent.run;

/** An op that did not start because its job was stopped (the timeout, the owner) while it got ready. */
final class StoppedBeforeStart extends RuntimeException {

  private final String during;

  /** {@code reason}: the job's stop reason; {@code during}: what the op was doing, e.g. "while its image was pulled". */
  StoppedBeforeStart(String reason, String during) {
    super(reason, null, false, false);
    this.during = during;
  }

  String during() {
    return during;
  }
}
