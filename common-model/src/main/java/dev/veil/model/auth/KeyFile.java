package dev.veil.model.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An Ed25519 key pair in a PEM file readable by its owner only (0600): a client's key or a
 * node's key. Created on first use; a file that others can read is refused, as ssh does.
 */
public final class KeyFile {

  private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)-----END \\1-----");
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  private KeyFile() {}

  /** Loads the key pair at {@code file}, creating it (and its folder) if absent. */
  public static KeyPair loadOrCreate(Path file) throws IOException {
    if (!Files.exists(file)) {
      try {
        create(file);
      } catch (FileAlreadyExistsException raced) {
        // another process created it first: read theirs
      }
    }
    return load(file);
  }

  /** Loads an existing key file. */
  public static KeyPair load(Path file) throws IOException {
    if (isPosix(file)) {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      if (!OWNER_ONLY.containsAll(perms)) {
        throw new IOException(file + " is readable by others (" + PosixFilePermissions.toString(perms)
            + "); run: chmod 600 " + file);
      }
    }
    String pem = Files.readString(file, StandardCharsets.US_ASCII);
    byte[] privateDer = null;
    byte[] publicDer = null;
    Matcher m = BLOCK.matcher(pem);
    while (m.find()) {
      byte[] der = Base64.getMimeDecoder().decode(m.group(2));
      if ("PRIVATE KEY".equals(m.group(1))) {
        privateDer = der;
      } else if ("PUBLIC KEY".equals(m.group(1))) {
        publicDer = der;
      }
    }
    if (privateDer == null || publicDer == null) {
      throw new IOException(file + " is not a Veil key file (needs a PRIVATE KEY and a PUBLIC KEY block)");
    }
    try {
      KeyFactory factory = KeyFactory.getInstance("Ed25519");
      return new KeyPair(factory.generatePublic(new X509EncodedKeySpec(publicDer)),
          factory.generatePrivate(new PKCS8EncodedKeySpec(privateDer)));
    } catch (GeneralSecurityException e) {
      throw new IOException(file + " does not hold an Ed25519 key pair", e);
    }
  }

  private static void create(Path file) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    KeyPair pair = Ed25519.generate();
    String pem = block("PRIVATE KEY", pair.getPrivate().getEncoded()) + block("PUBLIC KEY", pair.getPublic().getEncoded());
    Path tmp = Files.createTempFile(dir, ".key", ".tmp");
    try {
      if (isPosix(tmp)) {
        Files.setPosixFilePermissions(tmp, OWNER_ONLY);
      }
      Files.writeString(tmp, pem, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
      // Atomic, and fails if the file appeared meanwhile: never overwrite someone's key.
      Files.createLink(file, tmp);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static String block(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private static boolean isPosix(Path file) {
    return file.getFileSystem().supportedFileAttributeViews().contains("posix");
  }
}
