package dev.veil.model.auth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Supplier;

/** A 32-byte secret in a file readable by its owner only (0600), made on first use: a node's or a client's X25519 key, an agent's storage key. */
public final class SecretFile {

  private static final int BYTES = 32;

  private SecretFile() {}

  /**
   * The secret in {@code file}; when there is none, {@code fresh}'s, written 0600 under a
   * temporary name and linked into place, so two starts at once end up with one secret.
   */
  public static byte[] loadOrCreate(Path file, Supplier<byte[]> fresh) throws IOException {
    if (!Files.exists(file)) {
      Files.createDirectories(file.getParent());
      Path tmp = Files.createTempFile(file.getParent(), ".key", ".tmp",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.write(tmp, fresh.get());
      try {
        Files.createLink(file, tmp);
      } catch (java.nio.file.FileAlreadyExistsException raced) {
        // another start created it: use theirs
      } finally {
        Files.deleteIfExists(tmp);
      }
    }
    byte[] stored = Files.readAllBytes(file);
    if (stored.length != BYTES) {
      throw new IOException(file + " is not a 32-byte key");
    }
    return stored;
  }
}
