package dev.veil.testsupport;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.opentest4j.TestAbortedException;

/** Command-line tools a test runs, which {@code ./veil test} installs when they are missing. */
public final class ToolsOnPath {

  private ToolsOnPath() {}

  /**
   * Without every one of {@code tools} on the PATH: a {@link TestAbortedException} (a skip) on a
   * laptop, a failure with {@code CI=true}; {@code what} names what needs them.
   */
  public static void require(String what, String... tools) {
    String[] path = System.getenv("PATH").split(File.pathSeparator);
    boolean present = Stream.of(tools).allMatch(tool -> Stream.of(path).anyMatch(dir -> Files.isExecutable(Path.of(dir, tool))));
    if (present) {
      return;
    }
    String why = "no " + String.join(" and ", tools) + " on the PATH for " + what + "; ./veil test installs "
        + (tools.length > 1 ? "them" : "it");
    if (ContainerEngineCondition.isCi(System.getenv("CI"))) {
      throw new IllegalStateException("CI=true: " + why + " (a skipped test is not a passing one)");
    }
    throw new TestAbortedException(why);
  }
}
