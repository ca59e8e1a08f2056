package dev.veil.agent.logistics;

import dev.veil.model.market.JobRecord;

/**
 * Where a private job stands, kept (encrypted) so a restarted agent can pick it up.
 *
 * @param job      the job as claimed
 * @param phase    {@code WAITING_FOR_DEFINITION}, {@code RUNNING} or {@code HOLDING_RESULT}
 * @param deadline epoch ms when the wait of this phase ends (0 for RUNNING)
 */
public record PrivateJobState(JobRecord job, String phase, long deadline) {

  public static final String WAITING_FOR_DEFINITION = "WAITING_FOR_DEFINITION";
  public static final String RUNNING = "RUNNING";
  public static final String HOLDING_RESULT = "HOLDING_RESULT";
}
