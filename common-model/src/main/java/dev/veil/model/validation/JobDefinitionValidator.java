package dev.veil.model.validation;

import dev.veil.model.job.ContainerLimits;
import dev.veil.model.job.CreateVolumeOperation;
import dev.veil.model.job.Execution;
import dev.veil.model.job.Expose;
import dev.veil.model.job.ExposedPort;
import dev.veil.model.job.HealthCheck;
import dev.veil.model.job.HttpHealthCheck;
import dev.veil.model.job.JobDefinition;
import dev.veil.model.job.LogisticsChannel;
import dev.veil.model.job.LogisticsType;
import dev.veil.model.job.Operation;
import dev.veil.model.job.ResultPattern;
import dev.veil.model.job.RunArgs;
import dev.veil.model.job.RunOperation;
import dev.veil.model.job.UnknownOperation;
import dev.veil.model.job.VolumeMount;
import dev.veil.model.job.WebsocketHealthCheck;
import dev.veil.model.sealing.RecipientKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Checks a definition and returns every violation, each with its JSON pointer, never only the
 * first. Shape errors (a string where a number belongs) are found earlier, when the JSON is read.
 */
public final class JobDefinitionValidator {

  private static final Pattern OP_ID = Pattern.compile("[^\\s]{1,128}");
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
  private static final Set<String> LOG_TYPES = Set.of("stdin", "stdout", "stderr", "nodeout", "nodeerr");
  private static final int MAX_OPS = 100;

  private JobDefinitionValidator() {}

  /** All violations of {@code definition} in {@code role}; empty when it is valid. */
  public static List<Violation> validate(JobDefinition definition, DefinitionRole role) {
    List<Violation> out = new ArrayList<>();
    if (definition == null) {
      out.add(new Violation("", "a job definition is required"));
      return out;
    }
    if (definition.version() == null) {
      out.add(new Violation("/version", "is required"));
    } else if (!JobDefinition.VERSION.equals(definition.version())) {
      out.add(new Violation("/version", "unsupported version '" + definition.version() + "'; this host understands " + JobDefinition.VERSION));
    }
    if (definition.type() == null) {
      out.add(new Violation("/type", "is required"));
    } else if (!JobDefinition.CONTAINER.equals(definition.type())) {
      out.add(new Violation("/type", "unsupported job type '" + definition.type() + "'; only 'container' is known"));
    }
    checkLogistics(definition, role, out);
    checkOpsPresence(definition, role, out);
    checkOps(definition, out);
    return out;
  }

  private static void checkLogistics(JobDefinition definition, DefinitionRole role, List<Violation> out) {
    if (definition.logistics() == null) {
      return;
    }
    if (role == DefinitionRole.PRIVATE_DEFINITION && definition.resultRecipient() != null) {
      // The host seals to the key the posted template names, which its owner signed at the market.
      out.add(new Violation("/logistics/receive/args/recipient", "belongs in the posted template's logistics.receive, "
          + "not in the definition sent privately"));
    }
    checkChannel("/logistics/send", definition.logistics().send(), true, out);
    checkChannel("/logistics/receive", definition.logistics().receive(), false, out);
  }

  private static void checkChannel(String path, LogisticsChannel channel, boolean send, List<Violation> out) {
    if (channel == null) {
      return;
    }
    if (channel.type() == null) {
      out.add(new Violation(path + "/type", "is required: 'api-listen' or 'api'"));
      return;
    }
    String endpoint = channel.args() == null ? null : channel.args().endpoint();
    String hash = channel.args() == null ? null : channel.args().hash();
    if (channel.type() == LogisticsType.API) {
      // Refused rather than run as if public: a result its owner asked to receive at an endpoint
      // must never end up in the public store instead.
      out.add(new Violation(path + "/type", "'api' (the host sends to your endpoint) is not supported; "
          + "use 'api-listen' (you fetch from the host)"));
      return;
    }
    if (endpoint != null) {
      out.add(new Violation(path + "/args/endpoint", "only applies when type is 'api', which is not supported"));
    }
    RecipientKey recipient = channel.args() == null ? null : channel.args().recipient();
    if (recipient != null) {
      if (send || channel.type() != LogisticsType.API_LISTEN) {
        out.add(new Violation(path + "/args/recipient", "only applies to logistics.receive of type 'api-listen'"));
      } else if (!recipient.wellFormed()) {
        out.add(new Violation(path + "/args/recipient", "must be {\"publicKey\": an X25519 key (32 bytes), \"signature\": "
            + "the owner's Ed25519 signature (64 bytes)}, both base64url without padding"));
      }
    }
    if (hash != null) {
      if (!send || channel.type() != LogisticsType.API_LISTEN) {
        out.add(new Violation(path + "/args/hash", "only applies to logistics.send of type 'api-listen'"));
      } else if (!SHA256_HEX.matcher(hash).matches()) {
        out.add(new Violation(path + "/args/hash", "must be a lowercase hex SHA-256 (64 characters)"));
      }
    }
  }

  private static void checkOpsPresence(JobDefinition definition, DefinitionRole role, List<Violation> out) {
    if (definition.ops() == null) {
      out.add(new Violation("/ops", "is required (use [] in a template whose definition is sent privately)"));
      return;
    }
    boolean empty = definition.ops().isEmpty();
    switch (role) {
      case TEMPLATE -> { }
      case POSTED -> {
        if (definition.sendsDefinitionPrivately() && !empty) {
          out.add(new Violation("/ops", "must be empty when logistics.send is 'api-listen': anything posted is public; "
              + "send the ops to the host instead"));
        } else if (!definition.sendsDefinitionPrivately() && empty) {
          out.add(new Violation("/ops", "must not be empty unless logistics.send is 'api-listen'"));
        }
      }
      case PRIVATE_DEFINITION -> {
        if (empty) {
          out.add(new Violation("/ops", "a definition sent privately must have ops"));
        }
      }
    }
    if (definition.ops().size() > MAX_OPS) {
      out.add(new Violation("/ops", "at most " + MAX_OPS + " ops are allowed"));
    }
  }

  private static void checkOps(JobDefinition definition, List<Violation> out) {
    List<Operation> ops = definition.opsOrEmpty();
    Map<String, Integer> firstIndexById = new HashMap<>();
    Set<String> volumeNames = new HashSet<>();
    for (int i = 0; i < ops.size(); i++) {
      Operation op = ops.get(i);
      String at = "/ops/" + i;
      if (op == null) {
        out.add(new Violation(at, "an op cannot be null"));
        continue;
      }
      if (op.id() == null) {
        out.add(new Violation(at + "/id", "is required"));
      } else if (!OP_ID.matcher(op.id()).matches()) {
        out.add(new Violation(at + "/id", "must be 1 to 128 characters without spaces"));
      } else if (firstIndexById.putIfAbsent(op.id(), i) != null) {
        out.add(new Violation(at + "/id", "duplicate op id '" + op.id() + "' (also op " + firstIndexById.get(op.id()) + ")"));
      }
      if (op instanceof CreateVolumeOperation volume) {
        if (volume.args() == null || volume.args().name() == null || volume.args().name().isBlank()) {
          out.add(new Violation(at + "/args/name", "is required"));
        } else {
          volumeNames.add(volume.args().name());
        }
      }
    }
    List<PortClaim> claims = new ArrayList<>();
    for (int i = 0; i < ops.size(); i++) {
      Operation op = ops.get(i);
      String at = "/ops/" + i;
      if (op instanceof UnknownOperation unknown) {
        out.add(new Violation(at + "/type", unknown.type() == null
            ? "is required: 'container/run' or 'container/create-volume'"
            : "unknown op type '" + unknown.type() + "' in op '" + unknown.id() + "'"));
      } else if (op instanceof RunOperation run) {
        checkRun(definition, run, at, volumeNames, claims, out);
      }
      if (op != null) {
        checkResults(op, at, out);
        checkExecution(op, at, firstIndexById, out);
      }
    }
    checkCycles(ops, firstIndexById, out);
  }

  private static void checkRun(JobDefinition definition, RunOperation run, String at, Set<String> volumeNames,
      List<PortClaim> claims, List<Violation> out) {
    RunArgs args = run.args();
    boolean globalImage = definition.global() != null && definition.global().image() != null;
    if (args == null) {
      out.add(new Violation(at + "/args", "is required"));
      return;
    }
    if ((args.image() == null || args.image().isBlank()) && !globalImage) {
      out.add(new Violation(at + "/args/image", "is required (or set global.image)"));
    }
    if (args.volumes() != null) {
      for (int v = 0; v < args.volumes().size(); v++) {
        VolumeMount mount = args.volumes().get(v);
        String vat = at + "/args/volumes/" + v;
        if (mount.name() == null || !volumeNames.contains(mount.name())) {
          out.add(new Violation(vat + "/name", "must name a volume created by a container/create-volume op of this job"));
        }
        if (mount.dest() == null || !mount.dest().startsWith("/")) {
          out.add(new Violation(vat + "/dest", "must be an absolute path"));
        }
      }
    }
    if (args.limits() != null) {
      checkLimits(args.limits(), at + "/args/limits", out);
    }
    if (args.access() != null && !args.ownerOnly()) {
      out.add(new Violation(at + "/args/access", "must be 'owner' (only the job's owner may open its private URLs), or absent"));
    } else if (args.access() != null && (args.expose() == null || !args.privateExpose())) {
      out.add(new Violation(at + "/args/access", "only applies to exposed ports with \"private\": true"));
    }
    if (args.expose() != null) {
      checkExpose(args.expose(), at + "/args/expose", claims, out);
    } else if (args.privateExpose()) {
      out.add(new Violation(at + "/args/private", "only exposed ports can be private; this op exposes none "
          + "(for private results use logistics.receive 'api-listen')"));
    }
  }

  private static void checkLimits(ContainerLimits limits, String at, List<Violation> out) {
    if (limits.memory() != null) {
      var bytes = limits.memoryBytes();
      if (bytes.isEmpty()) {
        out.add(new Violation(at + "/memory", "must be a size such as 512m or 2g (bytes, or k, m, g: binary units)"));
      } else if (bytes.getAsLong() < ContainerLimits.MIN_MEMORY_BYTES) {
        out.add(new Violation(at + "/memory", "must be at least 6m"));
      }
    }
    if (limits.cpus() != null && !(limits.cpus() >= 0.01 && limits.cpus() <= ContainerLimits.MAX_CPUS)) {
      out.add(new Violation(at + "/cpus", "must be between 0.01 and " + (int) ContainerLimits.MAX_CPUS));
    }
    if (limits.pids() != null && limits.pids() < 8) {
      out.add(new Violation(at + "/pids", "must be at least 8"));
    }
  }

  private record PortClaim(int from, int to, String path) {}

  private static void checkExpose(Expose expose, String at, List<PortClaim> claims, List<Violation> out) {
    List<PortClaim> mine = new ArrayList<>();
    if (expose instanceof Expose.Single single) {
      mine.add(new PortClaim(single.port(), single.port(), at));
    } else if (expose instanceof Expose.Range range) {
      if (range.from() > range.to()) {
        out.add(new Violation(at, "range " + range.from() + "-" + range.to() + " is backwards"));
        return;
      }
      if (range.to() - range.from() + 1 > Expose.MAX_RANGE) {
        out.add(new Violation(at, "a range may span at most " + Expose.MAX_RANGE + " ports"));
        return;
      }
      mine.add(new PortClaim(range.from(), range.to(), at));
    } else {
      List<ExposedPort> ports = expose.ports();
      for (int p = 0; p < ports.size(); p++) {
        ExposedPort port = ports.get(p);
        mine.add(new PortClaim(port.port(), port.port(), at + "/" + p));
        checkHealthChecks(port, at + "/" + p + "/health_checks", out);
      }
    }
    for (PortClaim claim : mine) {
      if (claim.from() < 1 || claim.to() > 65535) {
        out.add(new Violation(claim.path(), "ports must be between 1 and 65535"));
        continue;
      }
      for (PortClaim other : claims) {
        if (claim.from() <= other.to() && other.from() <= claim.to()) {
          out.add(new Violation(claim.path(), (claim.from() == claim.to() ? "port " + claim.from() : "range " + claim.from() + "-" + claim.to())
              + " is already exposed at " + other.path() + "; ports are unique per job"));
          break;
        }
      }
      claims.add(claim);
    }
  }

  private static void checkHealthChecks(ExposedPort port, String at, List<Violation> out) {
    if (port.healthChecks() == null) {
      return;
    }
    for (int h = 0; h < port.healthChecks().size(); h++) {
      HealthCheck check = port.healthChecks().get(h);
      String hat = at + "/" + h;
      if (check instanceof HttpHealthCheck http) {
        if (http.path() == null || !http.path().startsWith("/")) {
          out.add(new Violation(hat + "/path", "must start with '/'"));
        }
        if (http.expectedStatus() == null || http.expectedStatus() < 100 || http.expectedStatus() > 599) {
          out.add(new Violation(hat + "/expected_status", "must be an HTTP status between 100 and 599"));
        }
        if (http.method() != null && !http.method().matches("[A-Z]{3,7}")) {
          out.add(new Violation(hat + "/method", "must be an HTTP method such as GET"));
        }
      } else if (check instanceof WebsocketHealthCheck ws && ws.expectedResponse() == null) {
        out.add(new Violation(hat + "/expected_response", "is required"));
      }
    }
  }

  private static void checkResults(Operation op, String at, List<Violation> out) {
    if (op.results() == null) {
      return;
    }
    for (Map.Entry<String, ResultPattern> e : op.results().entrySet()) {
      String rat = at + "/results/" + e.getKey().replace("~", "~0").replace("/", "~1");
      ResultPattern pattern = e.getValue();
      if (pattern == null || pattern.regex() == null) {
        out.add(new Violation(rat, "a regex is required"));
        continue;
      }
      try {
        Pattern.compile(pattern.regex());
      } catch (PatternSyntaxException ex) {
        out.add(new Violation(rat, "not a valid regex: " + ex.getDescription()));
      }
      for (String logType : pattern.logTypes() == null ? List.<String>of() : pattern.logTypes()) {
        if (!LOG_TYPES.contains(logType)) {
          out.add(new Violation(rat + "/logType", "unknown log type '" + logType + "'; one of " + LOG_TYPES.stream().sorted().toList()));
        }
      }
    }
  }

  private static void checkExecution(Operation op, String at, Map<String, Integer> ids, List<Violation> out) {
    Execution execution = op.execution();
    if (execution == null || execution.dependsOn() == null) {
      return;
    }
    for (int d = 0; d < execution.dependsOn().size(); d++) {
      String dep = execution.dependsOn().get(d);
      if (dep != null && dep.equals(op.id())) {
        out.add(new Violation(at + "/execution/depends_on/" + d, "an op cannot depend on itself"));
      } else if (dep == null || !ids.containsKey(dep)) {
        out.add(new Violation(at + "/execution/depends_on/" + d, "no op with id '" + dep + "' in this job"));
      }
    }
  }

  // A cycle among depends_on would make the job wait forever; report it once, at the op that closes it.
  private static void checkCycles(List<Operation> ops, Map<String, Integer> ids, List<Violation> out) {
    int[] state = new int[ops.size()]; // 0 unseen, 1 on the current path, 2 done
    for (int i = 0; i < ops.size(); i++) {
      if (state[i] == 0 && visit(i, ops, ids, state)) {
        out.add(new Violation("/ops/" + i + "/execution/depends_on", "depends_on forms a cycle through op '" + ops.get(i).id() + "'"));
      }
    }
  }

  private static boolean visit(int i, List<Operation> ops, Map<String, Integer> ids, int[] state) {
    state[i] = 1;
    Operation op = ops.get(i);
    Execution execution = op == null ? null : op.execution();
    if (execution != null && execution.dependsOn() != null) {
      for (String dep : execution.dependsOn()) {
        Integer j = dep == null || dep.equals(op.id()) ? null : ids.get(dep);
        if (j == null) {
          continue;
        }
        if (state[j] == 1 || (state[j] == 0 && visit(j, ops, ids, state))) {
          return true;
        }
      }
    }
    state[i] = 2;
    return false;
  }
}
