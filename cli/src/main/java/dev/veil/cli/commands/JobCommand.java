package dev.veil.cli.commands;

import dev.veil.cli.CliException;
import dev.veil.cli.ExitCodes;
import dev.veil.cli.MissingSubcommand;
import dev.veil.cli.VeilCli;
import dev.veil.model.id.RandomIds;
import dev.veil.model.job.JobDefinition;
import dev.veil.model.job.JobDefinitionRequest;
import dev.veil.model.job.RunArgs;
import dev.veil.model.json.MalformedJsonException;
import dev.veil.model.json.VeilJson;
import dev.veil.model.market.JobRecord;
import dev.veil.model.market.JobState;
import dev.veil.model.market.PostJobRequest;
import dev.veil.model.sealing.RecipientKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "job", description = "Post jobs, send their private definitions, fetch private results and URLs.",
    subcommands = {JobCommand.Post.class, JobCommand.Status.class, JobCommand.SendDefinition.class,
        JobCommand.Result.class, JobCommand.Logs.class, JobCommand.Urls.class, JobCommand.Stop.class})
public final class JobCommand extends MissingSubcommand {

  @Command(name = "post", description = "Post a job file (comments and trailing commas allowed) and print its ID.")
  static final class Post implements java.util.concurrent.Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "the job definition or private template")
    Path file;

    @Option(names = {"-t", "--timeout"}, paramLabel = "MINUTES", description = "how long the job may run once a host claims it")
    Long timeoutMinutes;

    @Option(names = "--wait", description = "follow the job until it ends; send the definition and fetch a private result when the host asks")
    boolean await;

    @Option(names = "--definition", paramLabel = "FILE", description = "with --wait: the private definition to send when the host waits for it")
    Path definition;

    @Option(names = "--result-out", paramLabel = "FILE", description = "with --wait: where to write a private result (default stdout)")
    Path resultOut;

    @Option(names = "--logs", description = "with --wait: print the job's log lines as its host reads them (to stderr with --json)")
    boolean logs;

    @Option(names = "--plain", description = "seal nothing: send the definition unsealed instead of sealed to the host's "
        + "encryption key, and have a private result handed out unsealed instead of sealed to this client's key (both "
        + "readable by the gateway on the way)")
    boolean plain;

    @Override
    public Integer call() {
      VeilCli.Context c = KeyCommand.context(spec);
      if (!await && (definition != null || resultOut != null || logs)) {
        throw new CliException(ExitCodes.USAGE, "--definition, --result-out and --logs need --wait");
      }
      JobDefinition job = readJobFile(file);
      byte[] privateDefinition = definition == null ? null : definitionRequest(definition);
      // The host holds the result privately when the template or the definition says so; it seals to the template's key.
      boolean definitionReceivesPrivately = privateDefinition != null
          && VeilJson.lenient().readValue(privateDefinition, JobDefinitionRequest.class).jobDefinition().receivesResultPrivately();
      if (!plain && (job.receivesResultPrivately() || definitionReceivesPrivately) && job.resultRecipient() == null) {
        job = withRecipient(job, c.identity().recipientKey());
      }
      String session = c.identity().login(null, null, 600L).sessionId();
      byte[] body = VeilJson.write(new PostJobRequest(job, timeoutMinutes == null ? null : timeoutMinutes * 60));
      JobRecord posted = VeilJson.lenient().readValue(c.gateway().create("/v1/jobs", session, body, c.out()::progress).body(),
          JobRecord.class);
      if (!await) {
        c.out().result(posted.jobId(), Map.of("jobId", posted.jobId()));
        return ExitCodes.OK;
      }
      c.out().progress("posted job " + posted.jobId());
      Duration limit = Duration.ofMinutes(timeoutMinutes == null ? 60 : timeoutMinutes + 10);
      JobRecord end = new JobWatcher(c, privateDefinition, resultOut, logs, plain).follow(posted.jobId(), limit);
      c.out().result(end.jobId() + " " + end.state() + (end.resultId() == null ? "" : " " + end.resultId()), status(end));
      return end.state() == JobState.COMPLETED ? ExitCodes.OK : ExitCodes.FAILED;
    }
  }

  @Command(name = "status", description = "The job as the market shows it to everyone.")
  static final class Status implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "JOB_ID")
    String jobId;

    @Option(names = "--field", paramLabel = "NAME",
        description = "print only this field of the --json output, e.g. NODE_ID=$(veil job status $JOB_ID --field nodeId)")
    String field;

    @Override
    public void run() {
      VeilCli.Context c = KeyCommand.context(spec);
      JobRecord job = record(c, jobId);
      if (field != null) {
        Map<String, Object> fields = status(job);
        if (!fields.containsKey(field)) {
          throw new CliException(ExitCodes.USAGE, "--field takes one of " + String.join(", ", fields.keySet()));
        }
        Object value = fields.get(field);
        c.out().document((value == null ? "" : value instanceof Enum<?> ? VeilJson.lenient().valueToTree(value).asString()
            : String.valueOf(value)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return;
      }
      StringBuilder human = new StringBuilder(job.jobId()).append(' ').append(job.state());
      if (job.nodeId() != null) {
        human.append("\n  node    ").append(job.nodeId());
      }
      if (job.hostStatus() != null) {
        human.append("\n  host    ").append(VeilJson.lenient().valueToTree(job.hostStatus()).asString());
      }
      if (job.resultId() != null) {
        human.append("\n  result  ").append(job.resultId());
      }
      c.out().result(human.toString(), status(job));
    }
  }

  @Command(name = "send-definition", description = "Send the private definition to the host that claimed the job.")
  static final class SendDefinition implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "JOB_ID")
    String jobId;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE",
        description = "{\"jobDefinition\": {...}} as in spec/job-definition-request.json, or the bare definition")
    Path file;

    @Option(names = "--plain", description = "send it unsealed (readable by the gateway on the way) instead of sealed to the "
        + "host's encryption key")
    boolean plain;

    @Override
    public void run() {
      VeilCli.Context c = KeyCommand.context(spec);
      byte[] body = definitionRequest(file);
      JobRecord job = record(c, jobId);
      String nodeId = claimedBy(job);
      if (VeilJson.lenient().readValue(body, JobDefinitionRequest.class).jobDefinition().receivesResultPrivately()
          && (job.definition() == null || job.definition().resultRecipient() == null)) {
        c.out().progress(jobId + ": the definition receives its result privately, but the posted template names no recipient "
            + "key: the host will hand the result out unsealed (post with `veil job post --wait --definition` to have it sealed)");
      }
      JobWatcher.sendDefinition(c, jobId, nodeId, body, plain);
      c.out().result("sent the definition of " + jobId + (plain ? "" : ", sealed,") + " to " + nodeId,
          Map.of("jobId", jobId, "nodeId", nodeId, "sent", true, "sealed", !plain));
    }
  }

  @Command(name = "result", description = "The job's result: a private one from its host (once: the host then "
      + "publishes an empty one), a public one from the market. The same JSON document either way.")
  static final class Result implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "JOB_ID")
    String jobId;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE", description = "write it here instead of stdout")
    Path out;

    @Override
    public void run() {
      VeilCli.Context c = KeyCommand.context(spec);
      JobRecord job = record(c, jobId);
      if (job.definition() != null && !job.definition().receivesResultPrivately()) {
        if (job.resultId() == null) {
          throw new CliException(ExitCodes.CONFLICT, "this job's result is public and published when the job ends; it is "
              + job.state() + " now; ask again when it has ended");
        }
        JobWatcher.writeResult(c, c.gateway().api("GET", "/v1/results/" + job.resultId(), null, null).body(), out);
        return;
      }
      JobWatcher.fetchResult(c, job, claimedBy(job), out);
    }
  }

  @Command(name = "logs", description = "The job's log from its host, only to its owner: what it printed so far, "
      + "or with -f every line as it comes until the job ends, resuming by itself after a dropped connection.")
  static final class Logs implements java.util.concurrent.Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "JOB_ID")
    String jobId;

    @Option(names = {"-f", "--follow"}, description = "keep printing lines as they come, until the job's log is complete")
    boolean follow;

    @Option(names = "--prefix", description = "start each line with the ID of the op that printed it")
    boolean prefix;

    @Override
    public Integer call() {
      VeilCli.Context c = KeyCommand.context(spec);
      JobRecord job = record(c, jobId);
      claimedBy(job);
      LogStream stream = new LogStream(c, prefix, false);
      String end;
      try {
        end = stream.print(jobId, job.nodeId(), follow, job.definition() != null && job.definition().resultRecipient() != null);
      } catch (CliException e) {
        // Ended, its log no longer on its host (410), or not this key's job (404): a public result
        // has its log for anyone, once published.
        boolean publicResult = job.definition() != null && !job.definition().receivesResultPrivately();
        // Not when lines were shown already: the result has them op by op, not in the stream's order.
        if ((e.exitCode() != ExitCodes.CONFLICT && e.exitCode() != ExitCodes.NOT_FOUND) || !publicResult
            || stream.printed() > 0 || record(c, jobId).resultId() == null) {
          throw e;
        }
        return publishedLogs(c, jobId, prefix);
      }
      if (end != null) {
        c.out().progress(jobId + ": the job ended " + end + " after " + stream.printed() + " line(s) shown");
      }
      return ExitCodes.OK;
    }
  }

  // The log lines of a published (public) result, op by op, once the job has ended.
  static int publishedLogs(VeilCli.Context c, String jobId, boolean prefix) {
    JobRecord job = record(c, jobId);
    if (job.resultId() == null) {
      throw new CliException(ExitCodes.CONFLICT, "job " + jobId + " is " + job.state() + ": its log is not on its host, "
          + "and its result is not published yet");
    }
    dev.veil.model.result.FlowState result = VeilJson.lenient().readValue(
        c.gateway().api("GET", "/v1/results/" + job.resultId(), null, null).body(), dev.veil.model.result.FlowState.class);
    c.out().progress(jobId + ": the job has ended; its log as published in its result");
    for (var op : result.opStates()) {
      for (var entry : op.logs() == null ? java.util.List.<dev.veil.model.result.LogEntry>of() : op.logs()) {
        if (c.out().json()) {
          c.out().jobLine(false, new String(VeilJson.write(dev.veil.model.result.JobLogLine.of(op.operationId(), entry)),
              java.nio.charset.StandardCharsets.UTF_8));
        } else {
          c.out().jobLine(!"stdout".equals(entry.type()), prefix ? op.operationId() + " | " + entry.log() : entry.log());
        }
      }
    }
    return ExitCodes.OK;
  }

  @Command(name = "urls", description = "The URLs of the job's exposed services, private ones included; for one only the "
      + "job's owner may open, a link that lets this browser in.")
  static final class Urls implements Runnable {
    /** How long an owner-only service's link (and the cookie it sets) lets the owner in. */
    static final Duration LINK_SESSION = Duration.ofHours(12);

    @Spec CommandSpec spec;

    @Parameters(paramLabel = "JOB_ID")
    String jobId;

    @Override
    public void run() {
      VeilCli.Context c = KeyCommand.context(spec);
      String nodeId = claimedBy(c, jobId);
      String session = c.identity().sessionFor(jobId, nodeId);
      byte[] body = c.gateway().node(nodeId, "GET", "/service/url/" + jobId, session, null).body();
      if (c.out().json()) {
        c.out().document(body);
        return;
      }
      JsonNode urls = VeilJson.lenient().readTree(body);
      StringBuilder human = new StringBuilder("status ").append(urls.path("status").asString());
      String[] link = {null};
      urls.path("urls").properties().forEach(e -> {
        String url = e.getValue().path("url").asString();
        human.append("\n  ").append(url).append("  port ").append(e.getValue().path("port").asString());
        // Only for a well-formed service ID: it becomes the link's host name, and the link carries a session.
        if (RunArgs.OWNER_ACCESS.equals(e.getValue().path("access").asString("")) && RandomIds.isWellFormed(e.getKey())) {
          // The gateway admits the owner only: a link that carries a session of this job (not of a node),
          // which the gateway turns into a cookie for that host and takes out of the URL.
          if (link[0] == null) {
            link[0] = c.identity().login(jobId, null, LINK_SESSION.toSeconds()).sessionId();
          }
          // The gateway's URL for the service ID, not whatever URL the host wrote: the session goes to the gateway only.
          human.append("  owner only; open, for ").append(LINK_SESSION.toHours()).append(" h: ").append(c.settings().urlOf(e.getKey()))
              .append("/?veil-session=").append(link[0]);
        }
      });
      c.out().result(human.toString(), Map.of());
    }
  }

  @Command(name = "stop", description = "Stop the job: at once while queued, through its host while it runs.")
  static final class Stop implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "JOB_ID")
    String jobId;

    @Override
    public void run() {
      VeilCli.Context c = KeyCommand.context(spec);
      String session = c.identity().sessionFor(jobId, null);
      JobRecord job = VeilJson.lenient().readValue(
          c.gateway().api("POST", "/v1/jobs/" + jobId + "/stop", session, null).body(), JobRecord.class);
      c.out().result(job.jobId() + " " + job.state() + (Boolean.TRUE.equals(job.stopRequested()) ? " (stop requested)" : ""),
          status(job));
    }
  }

  static JobRecord record(VeilCli.Context c, String jobId) {
    return VeilJson.lenient().readValue(c.gateway().api("GET", "/v1/jobs/" + jobId, null, null).body(), JobRecord.class);
  }

  static String claimedBy(VeilCli.Context c, String jobId) {
    return claimedBy(record(c, jobId));
  }

  /** The node that claimed the job; CONFLICT while none has. */
  static String claimedBy(JobRecord job) {
    if (job.nodeId() == null) {
      throw new CliException(ExitCodes.CONFLICT, "job " + job.jobId() + " is " + job.state() + " and no host has claimed it yet");
    }
    return job.nodeId();
  }

  /** The template, its private result to be sealed to {@code recipient} ({@code logistics.receive.args.recipient}). */
  static JobDefinition withRecipient(JobDefinition job, RecipientKey recipient) {
    ObjectNode tree = VeilJson.lenient().valueToTree(job);
    ObjectNode logistics = tree.get("logistics") instanceof ObjectNode existing ? existing : tree.putObject("logistics");
    ObjectNode receive = logistics.get("receive") instanceof ObjectNode existing ? existing : logistics.putObject("receive");
    // A template whose definition receives privately: the template says so too, so the host seals to its key.
    receive.put("type", "api-listen");
    ObjectNode args = receive.get("args") instanceof ObjectNode existing ? existing : receive.putObject("args");
    args.set("recipient", VeilJson.lenient().valueToTree(recipient));
    return VeilJson.lenient().treeToValue(tree, JobDefinition.class);
  }

  /** The stable fields of {@code job status --json}. */
  static Map<String, Object> status(JobRecord job) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("jobId", job.jobId());
    fields.put("state", job.state());
    fields.put("nodeId", job.nodeId());
    fields.put("resultId", job.resultId());
    fields.put("hostStatus", job.hostStatus());
    fields.put("owner", job.owner());
    fields.put("createdAt", job.createdAt());
    fields.put("finishedAt", job.finishedAt());
    return fields;
  }

  static JobDefinition readJobFile(Path file) {
    try {
      return VeilJson.readJobFile(file);
    } catch (MalformedJsonException e) {
      throw new CliException(ExitCodes.INVALID, file + ": " + e.describe());
    } catch (IOException e) {
      throw new CliException(ExitCodes.USAGE, "cannot read " + file + ": " + e.getMessage());
    }
  }

  /** A {@code {"jobDefinition": ...}} body from a file holding either that or the bare definition. */
  static byte[] definitionRequest(Path file) {
    try {
      JsonNode tree = VeilJson.lenient().readTree(Files.readString(file));
      JsonNode definition = tree.has("jobDefinition") ? tree.get("jobDefinition") : tree;
      JobDefinition read = VeilJson.readJobFile(definition.toString());
      if (read.resultRecipient() != null) {
        // Said here, before a job is posted: a host would refuse it only once it waits for the definition.
        throw new CliException(ExitCodes.INVALID, file + ": logistics.receive.args.recipient belongs in the posted template, "
            + "not in the definition sent privately (veil job post adds your key to the template by itself)");
      }
      return VeilJson.write(new JobDefinitionRequest(read));
    } catch (MalformedJsonException e) {
      throw new CliException(ExitCodes.INVALID, file + ": " + e.describe());
    } catch (tools.jackson.core.JacksonException e) {
      throw new CliException(ExitCodes.INVALID, file + ": " + VeilJson.malformed(e).describe());
    } catch (IOException e) {
      throw new CliException(ExitCodes.USAGE, "cannot read " + file + ": " + e.getMessage());
    }
  }
}
