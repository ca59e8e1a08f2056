package dev.veil.agent.logistics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.agent.config.AgentProperties;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

class PrivateStoreTest {

  @TempDir
  Path dir;

  private AgentProperties properties(String key) {
    return new AgentProperties("http://m", "http://a", dir.resolve("node.key"), dir, "", "127.0.0.1", 1,
        Duration.ofSeconds(20), Duration.ofSeconds(10), 1000, 10000, 16384, Duration.ofSeconds(5), Duration.ofSeconds(2),
        Duration.ofMinutes(1), false, "0.1.0", "http://s", Duration.ofMinutes(10), Duration.ofMinutes(30), "https://%s", key,
        DataSize.ofGigabytes(2), 1.0, 1024, Duration.ofMinutes(10));
  }

  @Test
  void storesEncryptedAndReadsBackAfterARestartWithTheSameKeyFile() throws Exception {
    PrivateStore store = new PrivateStore(properties(""));
    store.put("job1", "definition", "echo secret".getBytes(StandardCharsets.UTF_8));

    byte[] onDisk = Files.readAllBytes(dir.resolve("private/job1/definition"));
    assertThat(new String(onDisk, StandardCharsets.ISO_8859_1)).doesNotContain("secret");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("private.key")))).isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("private/job1/definition")))).isEqualTo("rw-------");

    PrivateStore restarted = new PrivateStore(properties(""));
    assertThat(restarted.get("job1", "definition")).hasValueSatisfying(b -> assertThat(new String(b)).isEqualTo("echo secret"));
    assertThat(restarted.jobs()).containsExactly("job1");
    restarted.delete("job1");
    assertThat(restarted.jobs()).isEmpty();
    assertThat(restarted.get("job1", "definition")).isEmpty();
  }

  @Test
  void aTamperedOrMovedFileDoesNotDecrypt() throws Exception {
    PrivateStore store = new PrivateStore(properties(""));
    store.put("job1", "result", "{\"status\":\"success\"}".getBytes());
    store.put("job2", "result", "other".getBytes());

    // Moved to another job: the associated data no longer matches.
    Files.copy(dir.resolve("private/job1/result"), dir.resolve("private/job2/result"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThatThrownBy(() -> store.get("job2", "result")).hasMessageContaining("does not decrypt");

    byte[] bytes = Files.readAllBytes(dir.resolve("private/job1/result"));
    bytes[bytes.length - 1] ^= 1;
    Files.write(dir.resolve("private/job1/result"), bytes);
    assertThatThrownBy(() -> store.get("job1", "result")).hasMessageContaining("does not decrypt");
  }

  @Test
  void aConfiguredKeyIsUsedAndAnotherKeyCannotRead() {
    String key = java.util.Base64.getEncoder().encodeToString(new byte[32]);
    new PrivateStore(properties(key)).put("job1", "state", "x".getBytes());

    assertThat(new PrivateStore(properties(key)).get("job1", "state")).isPresent();
    String otherKey = java.util.Base64.getEncoder().encodeToString(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
        15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32});
    assertThatThrownBy(() -> new PrivateStore(properties(otherKey)).get("job1", "state")).hasMessageContaining("does not decrypt");
  }
}
