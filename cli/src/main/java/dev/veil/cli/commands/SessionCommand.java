package dev.veil.cli.commands;

import dev.veil.cli.CliException;
import dev.veil.cli.ExitCodes;
import dev.veil.cli.MissingSubcommand;
import dev.veil.cli.VeilCli;
import dev.veil.model.session.SessionResponse;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "session", description = "Sessions prove you own a job; hand a host one scoped to its job and node.",
    subcommands = {SessionCommand.Create.class, SessionCommand.Revoke.class})
public final class SessionCommand extends MissingSubcommand {

  @Command(name = "create", description = "Log in with your key and print just the session ID: SESSION_ID=$(veil session create --job $JOB_ID)")
  static final class Create implements Runnable {
    @Spec CommandSpec spec;

    @Option(names = "--job", paramLabel = "JOB_ID", description = "valid for this job only")
    String jobId;

    @Option(names = "--node", paramLabel = "NODE_ID", description = "valid at this node only")
    String nodeId;

    @Option(names = "--ttl", paramLabel = "DURATION", description = "lifetime: seconds, or 30m, 2h (default: the service's, 1h)")
    String ttl;

    @Override
    public void run() {
      VeilCli.Context c = KeyCommand.context(spec);
      SessionResponse session = c.identity().login(jobId, nodeId, ttl == null ? null : seconds(ttl));
      Map<String, Object> fields = new LinkedHashMap<>();
      fields.put("sessionId", session.sessionId());
      fields.put("owner", session.owner());
      fields.put("expiresAt", session.expiresAt());
      fields.put("jobId", session.jobId());
      fields.put("nodeId", session.nodeId());
      c.out().result(session.sessionId(), fields);
    }
  }

  static long seconds(String ttl) {
    String t = ttl.trim();
    try {
      long seconds = t.matches("[0-9]+") ? Long.parseLong(t)
          : t.matches("([0-9]+[hHmMsS])+") ? Duration.parse("PT" + t.toUpperCase()).toSeconds() : 0;
      if (seconds > 0) {
        return seconds;
      }
    } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
      // refused below
    }
    throw new CliException(ExitCodes.USAGE, "--ttl takes seconds or a duration like 30m or 2h, not " + ttl);
  }

  @Command(name = "revoke", description = "Revoke one session (by its ID), or every session of your key (--all).")
  static final class Revoke implements Runnable {
    @Spec CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Which which;

    static final class Which {
      @Parameters(paramLabel = "SESSION_ID", description = "the session to revoke")
      String sessionId;

      @Option(names = "--all", required = true, description = "every session of your key")
      boolean all;
    }

    @Override
    public void run() {
      VeilCli.Context c = KeyCommand.context(spec);
      long revoked;
      if (which.all) {
        String session = c.identity().login(null, null, 60L).sessionId();
        revoked = c.gateway().api("DELETE", "/v1/sessions", session, null).json().path("revoked").asLong();
      } else {
        c.gateway().api("DELETE", "/v1/sessions/current", which.sessionId, null);
        revoked = 1;
      }
      c.out().result("revoked " + revoked + (revoked == 1 ? " session" : " sessions"), Map.of("revoked", revoked));
    }
  }
}
