package dev.veil.agent.run;

import dev.veil.agent.config.AgentProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Where op logs spool: {@code <data-dir>/logs/<jobId>/<op index>.spool}, readable by the agent's
 * user only. A spool's key lives in memory only, so what an earlier run left here (a crash, a
 * kill) can never be read again: it is deleted when the agent starts.
 */
@Component
public class LogSpools {

  private static final Logger log = LoggerFactory.getLogger(LogSpools.class);

  private final Path root;

  public LogSpools(AgentProperties properties) {
    this.root = properties.dataDir().resolve("logs");
    try {
      if (Files.exists(root)) {
        try (Stream<Path> orphans = Files.walk(root)) {
          long deleted = orphans.sorted(Comparator.reverseOrder()).filter(p -> !p.equals(root))
              .map(p -> p.toFile().delete() ? 1 : 0).mapToLong(Integer::longValue).sum();
          if (deleted > 0) {
            log.info("deleted {} log spool file(s) and folder(s) an earlier run left", deleted);
          }
        }
      }
      Files.createDirectories(root);
      Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the log spool folder " + root, e);
    }
  }

  public Path root() {
    return root;
  }
}
