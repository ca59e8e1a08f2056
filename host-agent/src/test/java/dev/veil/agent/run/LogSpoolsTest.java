package dev.veil.agent.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.agent.config.TestAgentProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogSpoolsTest {

  @TempDir
  Path dir;

  @Test
  void spoolsAnEarlierRunLeftAreDeletedAtStartAndTheFolderIsTheAgentsAlone() throws Exception {
    Path orphan = Files.createDirectories(dir.resolve("logs/some-job")).resolve("0.spool");
    Files.writeString(orphan, "unreadable without the key the crashed run held");

    LogSpools spools = new LogSpools(TestAgentProperties.of(dir, ""));

    assertThat(orphan).doesNotExist();
    assertThat(orphan.getParent()).doesNotExist();
    assertThat(spools.root()).isEqualTo(dir.resolve("logs")).isDirectory();
    assertThat(Files.getPosixFilePermissions(spools.root())).isEqualTo(PosixFilePermissions.fromString("rwx------"));
  }
}
