package dev.veil.agent.logistics;

import dev.veil.model.market.JobRecord;
import dev.veil.model.sealing.RecipientKey;
import dev.veil.service.problem.ProblemException;

/**
 * The owner's key a job's result (and its live log) is sealed to, as its template names it
 * ({@code logistics.receive.args.recipient}), checked against the job's owner here as well as at
 * the market: a key the owner did not sign is never sealed to, and nothing is then handed out in
 * clear instead (409).
 */
public final class ResultRecipient {

  private ResultRecipient() {}

  /** The raw X25519 key the job's private output is sealed to; null when its template names none. */
  public static byte[] of(JobRecord job) {
    RecipientKey recipient = job.definition() == null ? null : job.definition().resultRecipient();
    if (recipient == null) {
      return null;
    }
    return recipient.verifiedFor(job.owner()).orElseThrow(() -> ProblemException.conflict(
        "the job's recipient key (logistics.receive.args.recipient) is not signed by its owner: its result and log are "
            + "handed out to no other key, and not in clear"));
  }
}
