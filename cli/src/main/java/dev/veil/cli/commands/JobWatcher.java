package dev.veil.cli.commands;

import dev.veil.cli.CliException;
import dev.veil.cli.ExitCodes;
import dev.veil.cli.VeilCli;
import dev.veil.cli.http.Gateway;
import dev.veil.model.json.VeilJson;
import dev.veil.model.job.JobDefinitionRequest;
import dev.veil.model.market.JobRecord;
import dev.veil.model.market.JobState;
import dev.veil.model.result.JobStatus;
import dev.veil.model.sealing.Hpke;
import dev.veil.model.sealing.NodeEncryptionKey;
import dev.veil.model.sealing.RecipientKey;
import dev.veil.model.sealing.SealedDefinition;
import dev.veil.model.sealing.SealedResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import tools.jackson.databind.JsonNode;

/**
 * Follows a job on the market until it ends, doing the owner's part when its host asks: sending
 * the private definition, fetching the private result. Each time with a session scoped to that
 * job and that node, so the host cannot use it for anything else.
 */
final class JobWatcher {

  private static final Duration POLL = Duration.ofSeconds(1);

  private final VeilCli.Context c;
  private final byte[] definition;
  private final Path resultOut;
  private final boolean logs;
  private final boolean plain;
  private Thread logFollower;
  private LogStream logStream;

  JobWatcher(VeilCli.Context c, byte[] definition, Path resultOut, boolean logs, boolean plain) {
    this.plain = plain;
    this.c = c;
    this.definition = definition;
    this.resultOut = resultOut;
    this.logs = logs;
  }

  JobRecord follow(String jobId, Duration limit) {
    try {
      return watch(jobId, limit);
    } finally {
      c.out().clearStatus();
    }
  }

  private JobRecord watch(String jobId, Duration limit) {
    Instant started = Instant.now();
    Instant deadline = started.plus(limit);
    String shown = "";
    boolean definitionDone = false;
    boolean resultDone = false;
    while (true) {
      JobRecord job;
      try {
        job = JobCommand.record(c, jobId);
      } catch (Gateway.Unavailable outage) {
        // The market (or Redis behind it) is down for a moment: keep waiting, as the services ask.
        waitOut(outage, deadline, jobId, limit);
        continue;
      }
      String now = job.state() + (job.hostStatus() == null ? "" : " " + VeilJson.lenient().valueToTree(job.hostStatus()).asString());
      if (!now.equals(shown)) {
        c.out().progress(jobId + ": " + now + (job.nodeId() == null ? "" : " on node " + job.nodeId()));
        shown = now;
      }
      if (logs && logFollower == null && job.nodeId() != null && job.state() == JobState.RUNNING) {
        followLogs(jobId, job.nodeId(), job.definition() != null && job.definition().resultRecipient() != null);
      }
      if (job.state().isFinal()) {
        awaitLogs();
        if (logs && logFollower == null && job.resultId() != null && job.definition() != null
            && !job.definition().receivesResultPrivately()) {
          // It ran and ended between two looks: its log is in its published result.
          JobCommand.publishedLogs(c, jobId, false);
        }
        return job;
      }
      if (job.state() == JobState.RUNNING && job.hostStatus() == JobStatus.WAITING_FOR_JOB_DEFINITION && !definitionDone) {
        if (definition != null) {
          sendDefinition(c, jobId, job.nodeId(), definition, plain);
          c.out().progress(jobId + ": sent the private definition" + (plain ? "" : ", sealed,") + " to " + job.nodeId());
        } else {
          c.out().progress(advice(jobId, job.nodeId()));
        }
        definitionDone = true;
      }
      if (job.state() == JobState.RUNNING && job.hostStatus() == JobStatus.WAITING_FOR_RESULT && !resultDone) {
        // The log is complete once the ops have ended: every line is shown before the result.
        awaitLogs();
        fetchResult(c, job, job.nodeId(), resultOut);
        c.out().progress(jobId + ": fetched the private result" + (job.definition().resultRecipient() == null ? "" : ", sealed,")
            + (resultOut == null ? "" : " into " + resultOut));
        resultDone = true;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new CliException(ExitCodes.FAILED, "stopped waiting for " + jobId + " after " + limit.toMinutes() + " minutes; it is " + now);
      }
      c.out().status(jobId + ": " + now + (job.nodeId() == null ? "" : " on node " + job.nodeId()) + " · "
          + Duration.between(started, Instant.now()).toSeconds() + " s");
      sleep();
    }
  }

  // The job's log, printed by a thread of its own while this one watches the market.
  private void followLogs(String jobId, String nodeId, boolean sealed) {
    LogStream stream = new LogStream(c, false, c.out().json());
    logStream = stream;
    logFollower = new Thread(() -> {
      try {
        stream.print(jobId, nodeId, true, sealed);
      } catch (CliException e) {
        c.out().progress(jobId + ": the job's log could not be followed: " + e.getMessage());
      }
    }, "veil-job-log");
    logFollower.setDaemon(true);
    logFollower.start();
  }

  // Once the job's ops have ended its log ends too; a host that cannot say so is not waited on long.
  private void awaitLogs() {
    if (logFollower == null) {
      return;
    }
    try {
      logFollower.join(Duration.ofSeconds(30).toMillis());
      if (logFollower.isAlive()) {
        // Nothing more is printed from it: the result (on stdout, maybe) comes next, alone.
        logStream.cancel();
        c.out().progress("the job's log did not end within 30 s of the job's; stopped showing it");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCodes.FAILED, "interrupted");
    }
  }

  private void waitOut(Gateway.Unavailable outage, Instant deadline, String jobId, Duration limit) {
    if (!outage.safeToRepeat() || Instant.now().plusSeconds(outage.retryAfterSeconds()).isAfter(deadline)) {
      throw outage;
    }
    c.out().progress(jobId + ": " + outage.getMessage() + "; waiting");
    try {
      Thread.sleep(Duration.ofSeconds(outage.retryAfterSeconds()).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCodes.FAILED, "interrupted");
    }
  }

  private String advice(String jobId, String nodeId) {
    return String.join("\n",
        jobId + ": the host waits for the private definition. Send it with",
        "  veil job send-definition " + jobId + " --file <definition.json>",
        "or with curl:",
        "  SESSION_ID=$(veil session create --job " + jobId + " --node " + nodeId + ")",
        "  curl -X POST \"" + c.settings().urlOf(nodeId) + "/job-definition/" + jobId + "\" \\",
        "    -H \"x-session-id: $SESSION_ID\" -H \"Content-Type: application/json\" -d @<definition.json>");
  }

  /**
   * Sends the definition ({@code {"jobDefinition": ...}}) to the job's host: sealed to the node's
   * encryption key for this job (HPKE), unless {@code plain}, so neither the gateway nor anyone
   * on the way can read it. The key is the node's own: its signature by the node key is checked
   * against the node ID, whoever served it.
   */
  static void sendDefinition(VeilCli.Context c, String jobId, String nodeId, byte[] body, boolean plain) {
    String session = c.identity().sessionFor(jobId, nodeId);
    if (plain) {
      c.gateway().node(nodeId, "POST", "/job-definition/" + jobId, session, body);
      return;
    }
    byte[] definition = VeilJson.write(VeilJson.lenient().readValue(body, JobDefinitionRequest.class).jobDefinition());
    SealedDefinition sealed;
    try {
      sealed = SealedDefinition.seal(definition, nodeKey(c, nodeId), jobId, nodeId);
    } catch (IllegalArgumentException unusable) {
      throw new CliException(ExitCodes.DENIED, "node " + nodeId + " publishes an encryption key nothing can be sealed to: "
          + "not sending the definition to it");
    }
    c.gateway().node(nodeId, "POST", "/job-definition/" + jobId, session, sealed.toJson(), SealedDefinition.MEDIA_TYPE);
  }

  /** The node's encryption key from its public record on the market, if the node ID signed it. */
  static byte[] nodeKey(VeilCli.Context c, String nodeId) {
    JsonNode node = c.gateway().api("GET", "/v1/nodes/" + nodeId, null, null).json();
    if (!node.has("encryptionKey")) {
      throw new CliException(ExitCodes.CONFLICT, "node " + nodeId + " publishes no encryption key: nothing can be sealed to it "
          + "or by it (--plain sends and receives unsealed, readable by the gateway)");
    }
    NodeEncryptionKey key = VeilJson.lenient().treeToValue(node.get("encryptionKey"), NodeEncryptionKey.class);
    return key.verifiedFor(nodeId).orElseThrow(() -> new CliException(ExitCodes.DENIED, "the encryption key published for node "
        + nodeId + " is not signed by that node: not trusting it"));
  }

  /**
   * Collects the job's private result from its host (once) and writes it out. When the template
   * names a recipient key the result must come sealed to it by the node (whose key is checked
   * against its node ID), and is opened here with this client's encryption key: a result in
   * clear, or one that does not open, is refused (the sealed document is then kept in a file,
   * 0600, rather than lost).
   */
  static void fetchResult(VeilCli.Context c, JobRecord job, String nodeId, Path out) {
    String session = c.identity().sessionFor(job.jobId(), nodeId);
    RecipientKey recipient = job.definition() == null ? null : job.definition().resultRecipient();
    byte[] myKey = recipient == null ? null : Hpke.publicKey(c.identity().encryptionKey());
    if (recipient != null && !recipient.verifiedFor(job.owner()).map(key -> Arrays.equals(key, myKey)).orElse(false)) {
      throw new CliException(ExitCodes.DENIED, "job " + job.jobId() + "'s result is sealed to a key this client does not hold ("
          + c.identity().encryptionKeyFile() + " is another): not collecting it");
    }
    // Before the result is taken (it is handed out once): the key it must be sealed with.
    byte[] sender = recipient == null ? null : nodeKey(c, nodeId);
    byte[] result = c.gateway().node(nodeId, "GET", "/job-result/" + job.jobId(), session, null).body();
    if (recipient == null) {
      writeResult(c, result, out);
      return;
    }
    ByteArrayOutputStream opened = new ByteArrayOutputStream();
    try {
      SealedResult.open(c.identity().encryptionKey(), sender, job.jobId(), nodeId, new ByteArrayInputStream(result), opened);
    } catch (SealedResult.NotOpened | IOException e) {
      Path kept = Path.of("veil-result-" + job.jobId() + ".sealed.json");
      writeResult(c, result, kept);
      throw new CliException(ExitCodes.DENIED, "the result of " + job.jobId() + " did not open with this client's key ("
          + e.getMessage() + "); what the host handed out is kept in " + kept);
    }
    writeResult(c, opened.toByteArray(), out);
  }

  /** A result document to stdout, or to {@code out}: 0600, written whole or not at all (printed if it cannot be written). */
  static void writeResult(VeilCli.Context c, byte[] result, Path out) {
    if (out == null) {
      c.out().document(result);
      return;
    }
    try {
      Path parent = Objects.requireNonNullElse(out.toAbsolutePath().getParent(), Path.of("."));
      Files.createDirectories(parent);
      // Private: readable by the owner only, and never half-written under its final name.
      Path partial = Files.createTempFile(parent, ".veil-result", ".part",
          java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
      Files.write(partial, result);
      Files.move(partial, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      // The host has handed it over once; keep it rather than lose it.
      c.out().document(result);
      throw new CliException(ExitCodes.FAILED, "could not write " + out + " (" + e.getMessage() + "); the result was printed instead");
    }
  }

  private static void sleep() {
    try {
      Thread.sleep(POLL.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCodes.FAILED, "interrupted");
    }
  }
}
