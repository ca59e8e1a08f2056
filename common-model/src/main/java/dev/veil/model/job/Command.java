package dev.veil.model.job;

import java.util.List;
import tools.jackson.databind.annotation.JsonDeserialize;
import tools.jackson.databind.annotation.JsonSerialize;

/** A command or entrypoint: a shell string, or an argument vector. Written back in the form it was read. */
@JsonDeserialize(using = CommandJson.Reader.class)
@JsonSerialize(using = CommandJson.Writer.class)
public sealed interface Command {

  /** The argument vector a container engine takes. */
  List<String> argv();

  /** A string command: runs as {@code /bin/sh -c <line>}. */
  record Shell(String line) implements Command {
    @Override
    public List<String> argv() {
      return List.of("/bin/sh", "-c", line);
    }
  }

  /** An array command, passed as is; empty means "the image's default". */
  record Exec(List<String> args) implements Command {
    public Exec {
      args = List.copyOf(args);
    }

    @Override
    public List<String> argv() {
      return args;
    }
  }
}
