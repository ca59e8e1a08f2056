package dev.veil.agent.logistics;

import dev.veil.agent.config.AgentProperties;
import dev.veil.model.auth.SecretFile;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.stereotype.Component;

/**
 * What a private job must not lose across an agent restart — its claim, its private definition,
 * its held result — kept on disk encrypted with AES-256-GCM.
 *
 * <p>Layout: {@code <data-dir>/private/<jobId>/<name>}, each file a 12-byte random nonce followed
 * by the ciphertext and tag, with {@code "<jobId>/<name>"} as associated data, so a file moved to
 * another job or name does not decrypt. Written atomically (temporary file, then rename),
 * readable by the agent's user only. The key comes from {@code veil.agent.private-key} (base64, 32
 * bytes) or is generated into {@code <data-dir>/private.key} (0600) on first start.
 */
@Component
public class PrivateStore {

  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path root;
  private final SecretKey key;

  public PrivateStore(AgentProperties properties) {
    this.root = properties.dataDir().resolve("private");
    try {
      Files.createDirectories(root);
      this.key = new SecretKeySpec(loadKey(properties), "AES");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the private store in " + root, e);
    }
  }

  private static byte[] loadKey(AgentProperties properties) throws IOException {
    if (!properties.privateKey().isBlank()) {
      byte[] configured = Base64.getDecoder().decode(properties.privateKey().trim());
      if (configured.length != 32) {
        throw new IllegalArgumentException("veil.agent.private-key must be 32 bytes, base64");
      }
      return configured;
    }
    return SecretFile.loadOrCreate(properties.dataDir().resolve("private.key"), () -> {
      byte[] fresh = new byte[32];
      RANDOM.nextBytes(fresh);
      return fresh;
    });
  }

  public void put(String jobId, String name, byte[] plaintext) {
    try {
      Path dir = Files.createDirectories(root.resolve(jobId));
      byte[] nonce = new byte[NONCE_BYTES];
      RANDOM.nextBytes(nonce);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD((jobId + "/" + name).getBytes(StandardCharsets.UTF_8));
      byte[] sealed = cipher.doFinal(plaintext);
      Path tmp = Files.createTempFile(dir, "." + name, ".tmp",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.write(tmp, ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array());
      moveIntoPlace(tmp, dir.resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot store private data of job " + jobId, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is part of every Java platform", e);
    }
  }

  public Optional<byte[]> get(String jobId, String name) {
    Path file = root.resolve(jobId).resolve(name);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      byte[] stored = Files.readAllBytes(file);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, stored, 0, NONCE_BYTES));
      cipher.updateAAD((jobId + "/" + name).getBytes(StandardCharsets.UTF_8));
      return Optional.of(cipher.doFinal(stored, NONCE_BYTES, stored.length - NONCE_BYTES));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read private data of job " + jobId, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("private data of job " + jobId + " does not decrypt with this agent's key", e);
    }
  }

  /** Writes a body of its own into a stream: a large item kept with bounded memory. */
  @FunctionalInterface
  public interface Body {
    void writeTo(OutputStream out) throws IOException;
  }

  /**
   * Stores a large item as sealed chunks ({@link SealedChunks}), written as {@code body} produces
   * it and never held whole in memory; atomically, like {@link #put}.
   */
  public void write(String jobId, String name, Body body) {
    try {
      Path dir = Files.createDirectories(root.resolve(jobId));
      Path tmp = Files.createTempFile(dir, "." + name, ".tmp",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      try (OutputStream out = SealedChunks.writer(new BufferedOutputStream(Files.newOutputStream(tmp)), key, jobId + "/" + name)) {
        body.writeTo(out);
      } catch (IOException | RuntimeException e) {
        Files.deleteIfExists(tmp);
        throw e;
      }
      moveIntoPlace(tmp, dir.resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot store private data of job " + jobId, e);
    }
  }

  /** A large item written by {@link #write}, decrypted as it is read; fails on any change to it. */
  public Optional<InputStream> open(String jobId, String name) {
    Path file = root.resolve(jobId).resolve(name);
    try {
      return Optional.of(SealedChunks.reader(new BufferedInputStream(Files.newInputStream(file)), key, jobId + "/" + name));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read private data of job " + jobId, e);
    }
  }

  // Readers see the old item or the new one, never half of one; and once this returns, a power
  // cut keeps the new one: its bytes reach the disk before the rename, the rename before return.
  private static void moveIntoPlace(Path tmp, Path target) throws IOException {
    try (FileChannel file = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      file.force(true);
    }
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
    try (FileChannel dir = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException e) {
      // Not every file system lets a directory be opened for syncing; the file itself is on disk.
    }
  }

  /** Deletes everything kept for the job. */
  public void delete(String jobId) {
    Path dir = root.resolve(jobId);
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        Files.deleteIfExists(file);
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete private data of job " + jobId, e);
    }
  }

  /** The jobs that have something kept. */
  public List<String> jobs() {
    try (Stream<Path> dirs = Files.list(root)) {
      return new ArrayList<>(dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
