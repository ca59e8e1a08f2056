package dev.veil.cli.commands;

import dev.veil.cli.CliException;
import dev.veil.cli.ExitCodes;
import dev.veil.cli.MissingSubcommand;
import dev.veil.cli.VeilCli;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "key", description = "The client's Ed25519 key: your identity as a job owner.",
    subcommands = {KeyCommand.Create.class, KeyCommand.Show.class})
public final class KeyCommand extends MissingSubcommand {

  static VeilCli.Context context(CommandSpec spec) {
    return ((VeilCli) spec.root().userObject()).context(spec);
  }

  @Command(name = "create", description = "Create the key file (0600) unless it exists; print the public key.")
  static final class Create implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      VeilCli.Context c = context(spec);
      boolean existed = c.identity().exists();
      String publicKey = c.identity().publicKey();
      Map<String, Object> fields = new LinkedHashMap<>();
      fields.put("publicKey", publicKey);
      fields.put("keyFile", c.identity().keyFile().toString());
      fields.put("created", !existed);
      c.out().result(publicKey, fields);
      if (existed) {
        c.out().progress("(the key at " + c.identity().keyFile() + " already existed; kept)");
      }
    }
  }

  @Command(name = "show", description = "Print the public key.")
  static final class Show implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      VeilCli.Context c = context(spec);
      if (!c.identity().exists()) {
        throw new CliException(ExitCodes.NOT_FOUND, "no key at " + c.identity().keyFile() + "; create one with: veil key create");
      }
      Map<String, Object> fields = new LinkedHashMap<>();
      fields.put("publicKey", c.identity().publicKey());
      fields.put("keyFile", c.identity().keyFile().toString());
      c.out().result(c.identity().publicKey(), fields);
    }
  }
}
