package dev.veil.cli;

/** Exit codes a script can rely on. */
public final class ExitCodes {

  public static final int OK = 0;
  /** Anything else: the job failed, an unexpected answer. */
  public static final int FAILED = 1;
  /** Wrong command line (picocli's own). */
  public static final int USAGE = 2;
  /** No such job, node or result (or not yours: the services do not tell the two apart). */
  public static final int NOT_FOUND = 3;
  /** Missing, expired or revoked session, or a key the services refuse. */
  public static final int DENIED = 4;
  /** The services refused the input (400, 413): a job file or definition that is not valid. */
  public static final int INVALID = 5;
  /** Not now: the host is not waiting for that yet, or it was done already (409, 410). */
  public static final int CONFLICT = 6;
  /** The gateway could not be reached. */
  public static final int UNREACHABLE = 7;
  /** The gateway answered, but a service behind it is unavailable now (502, 503, 504): retry later. */
  public static final int UNAVAILABLE = 8;

  private ExitCodes() {}
}
