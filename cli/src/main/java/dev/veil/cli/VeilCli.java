package dev.veil.cli;

import dev.veil.cli.commands.JobCommand;
import dev.veil.cli.commands.KeyCommand;
import dev.veil.cli.commands.SessionCommand;
import dev.veil.cli.config.CliSettings;
import dev.veil.cli.http.ClientIdentity;
import dev.veil.cli.http.Gateway;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** {@code veil}: keys, sessions and jobs, through the gateway. */
@Command(name = "veil", mixinStandardHelpOptions = true, version = "veil 0.1.0",
    description = "Post container jobs whose definition, results and service URLs stay private.",
    subcommands = {KeyCommand.class, SessionCommand.class, JobCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:done", "1:failed (the job failed or ended stopped, or an unexpected answer)", "2:usage error",
        "3:not found (or not yours)", "4:denied (session or key refused)", "5:invalid job file or definition",
        "6:not now (the host is not waiting for that, or it was done already)", "7:the gateway cannot be reached",
        "8:a service is unavailable now (502, 503, 504): retry, after the time it says"})
public final class VeilCli extends MissingSubcommand {

  @Option(names = "--gateway", scope = ScopeType.INHERIT, paramLabel = "URL",
      description = "gateway base URL (env VEIL_GATEWAY_URL, config `gateway`; default http://localhost:8080)")
  String gatewayUrl;

  @Option(names = "--node-domain", scope = ScopeType.INHERIT, paramLabel = "DOMAIN",
      description = "domain of node and service names (env VEIL_NODE_DOMAIN; default node.<gateway host>, node.localhost locally)")
  String nodeDomain;

  @Option(names = "--key", scope = ScopeType.INHERIT, paramLabel = "FILE",
      description = "the client's Ed25519 key (env VEIL_KEY_FILE, config `key-file`; default ~/.config/veil/client.key)")
  Path keyFile;

  @Option(names = "--json", scope = ScopeType.INHERIT, description = "print JSON with stable field names")
  boolean json;

  private final Map<String, String> env;
  private final boolean errIsTerminal;
  private Context context;

  VeilCli(Map<String, String> env, boolean errIsTerminal) {
    this.env = env;
    this.errIsTerminal = errIsTerminal;
  }

  /** What every command works with, built on first use from the options. */
  public record Context(CliSettings settings, Gateway gateway, ClientIdentity identity, Output out) {}

  public Context context(CommandLine.Model.CommandSpec spec) {
    if (context == null) {
      CliSettings settings = CliSettings.resolve(gatewayUrl, nodeDomain, keyFile, env);
      Gateway gateway = new Gateway(settings);
      context = new Context(settings, gateway, new ClientIdentity(settings.keyFile(), gateway),
          new Output(json, statusLine(), spec.commandLine().getOut(), spec.commandLine().getErr()));
    }
    return context;
  }

  // VEIL_STATUS_LINE=always|never overrides what is found out about stderr; TERM=dumb has none.
  private boolean statusLine() {
    String forced = env.getOrDefault("VEIL_STATUS_LINE", "");
    if (forced.equals("always") || forced.equals("never")) {
      return forced.equals("always");
    }
    return errIsTerminal && !"dumb".equals(env.get("TERM"));
  }

  /** Whether this process's stderr is a terminal (Linux: where fd 2 points; elsewhere: whether it has a console). */
  static boolean stderrIsTerminal() {
    try {
      String target = java.nio.file.Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
    } catch (java.io.IOException | UnsupportedOperationException | SecurityException e) {
      return System.console() != null;
    }
  }

  public static CommandLine commandLine(Map<String, String> env) {
    return commandLine(env, false);
  }

  static CommandLine commandLine(Map<String, String> env, boolean errIsTerminal) {
    CommandLine cli = new CommandLine(new VeilCli(env, errIsTerminal));
    cli.setExecutionExceptionHandler((error, commandLine, parsed) -> {
      if (error instanceof CommandLine.ParameterException usage) {
        return usage.getCommandLine().getParameterExceptionHandler().handleParseException(usage, parsed.originalArgs().toArray(String[]::new));
      }
      if (error instanceof CliException failure) {
        commandLine.getErr().println("veil: " + failure.getMessage());
        return failure.exitCode();
      }
      commandLine.getErr().println("veil: " + error);
      return ExitCodes.FAILED;
    });
    return cli;
  }

  public static int run(Map<String, String> env, PrintWriter out, PrintWriter err, String... args) {
    CommandLine cli = commandLine(env);
    cli.setOut(out);
    cli.setErr(err);
    return cli.execute(args);
  }

  public static void main(String[] args) {
    System.exit(commandLine(System.getenv(), stderrIsTerminal()).execute(args));
  }
}
