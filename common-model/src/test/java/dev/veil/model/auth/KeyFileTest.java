package dev.veil.model.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyFileTest {

  @TempDir
  Path dir;

  @Test
  void createsAnOwnerOnlyFileOnceAndLoadsTheSameKeyAfter() throws IOException {
    Path file = dir.resolve("keys/node.key");
    KeyPair first = KeyFile.loadOrCreate(file);
    KeyPair again = KeyFile.loadOrCreate(file);

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(Ed25519.id(again.getPublic())).isEqualTo(Ed25519.id(first.getPublic()));
    byte[] signature = Ed25519.sign(again.getPrivate(), new byte[] {1});
    assertThat(Ed25519.verify(first.getPublic(), new byte[] {1}, signature)).isTrue();
  }

  @Test
  void refusesAKeyFileOthersCanRead() throws IOException {
    Path file = dir.resolve("client.key");
    KeyFile.loadOrCreate(file);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

    assertThatThrownBy(() -> KeyFile.load(file)).isInstanceOf(IOException.class).hasMessageContaining("chmod 600");
  }

  @Test
  void refusesAFileThatIsNotAKeyFile() throws IOException {
    Path file = dir.resolve("junk.key");
    Files.writeString(file, "hello");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));

    assertThatThrownBy(() -> KeyFile.load(file)).isInstanceOf(IOException.class).hasMessageContaining("not a Veil key file");
  }
}
