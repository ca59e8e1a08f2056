package dev.veil.agent.logistics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.agent.config.AgentProperties;
import dev.veil.agent.config.TestAgentProperties;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivateStoreTest {

  @TempDir
  Path dir;

  private AgentProperties properties(String key) {
    return TestAgentProperties.of(dir, key);
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

  @Test
  void aLargeItemIsWrittenAndReadAsSealedChunksAndNothingOfItIsInClear() throws Exception {
    PrivateStore store = new PrivateStore(properties(""));
    String line = "private output line of a job\n";
    int lines = 20_000; // ~600 KB: several chunks

    store.write("job1", "result", out -> {
      for (int i = 0; i < lines; i++) {
        out.write(line.getBytes(StandardCharsets.UTF_8));
      }
    });

    Path file = dir.resolve("private/job1/result");
    assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1)).doesNotContain("private output");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    try (var in = new PrivateStore(properties("")).open("job1", "result").orElseThrow()) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(line.repeat(lines));
    }
    assertThat(store.open("job1", "other")).isEmpty();
  }

  @Test
  void aSealedItemCutShortChangedOrMovedDoesNotRead() throws Exception {
    PrivateStore store = new PrivateStore(properties(""));
    byte[] content = new byte[200_000];
    store.write("job1", "result", out -> out.write(content));
    Path file = dir.resolve("private/job1/result");
    byte[] sealed = Files.readAllBytes(file);

    // The last chunk dropped: the reader must not take a short result for the whole one.
    int lastChunk = 8 + 3 * (4 + SealedChunks.CHUNK + 16);
    Files.write(file, java.util.Arrays.copyOf(sealed, lastChunk));
    assertThatThrownBy(() -> store.open("job1", "result").orElseThrow().readAllBytes()).hasMessageContaining("cut short");

    byte[] changed = sealed.clone();
    changed[100] ^= 1;
    Files.write(file, changed);
    assertThatThrownBy(() -> store.open("job1", "result").orElseThrow().readAllBytes()).hasMessageContaining("does not open");

    Files.createDirectories(dir.resolve("private/job2"));
    Files.write(dir.resolve("private/job2/result"), sealed);
    assertThatThrownBy(() -> store.open("job2", "result").orElseThrow().readAllBytes()).hasMessageContaining("does not open");
  }

  @Test
  void aWriteThatFailsLeavesNothingBehind() throws Exception {
    PrivateStore store = new PrivateStore(properties(""));

    assertThatThrownBy(() -> store.write("job1", "result", out -> {
      out.write(new byte[100]);
      throw new java.io.IOException("the serializer failed");
    })).hasMessageContaining("cannot store");

    try (var files = Files.list(dir.resolve("private/job1"))) {
      assertThat(files).isEmpty();
    }
  }
}
