package dev.veil.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that only groups others ({@code veil job}, {@code veil session}): alone, it is a usage error. */
public abstract class MissingSubcommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing a command: "
        + String.join(", ", spec.subcommands().keySet()));
  }
}
