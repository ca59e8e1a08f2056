package dev.veil.agent.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.agent.config.AgentProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

class LogSpoolsTest {

  @TempDir
  Path dir;

  @Test
  void spoolsAnEarlierRunLeftAreDeletedAtStartAndTheFolderIsTheAgentsAlone() throws Exception {
    Path orphan = Files.createDirectories(dir.resolve("logs/some-job")).resolve("0.spool");
    Files.writeString(orphan, "unreadable without the key the crashed run held");

    LogSpools spools = new LogSpools(new AgentProperties("http://m", "http://a", dir.resolve("node.key"), dir, "", "127.0.0.1", 1,
        Duration.ofSeconds(20), Duration.ofSeconds(10), 1000, 10000, 16384, DataSize.ofMegabytes(3), Duration.ofMinutes(10),
        Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofMinutes(1), false, "0.1.0", "http://s",
        Duration.ofMinutes(10), Duration.ofMinutes(30), "https://%s", ""));

    assertThat(orphan).doesNotExist();
    assertThat(orphan.getParent()).doesNotExist();
    assertThat(spools.root()).isEqualTo(dir.resolve("logs")).isDirectory();
    assertThat(Files.getPosixFilePermissions(spools.root())).isEqualTo(PosixFilePermissions.fromString("rwx------"));
  }
}
