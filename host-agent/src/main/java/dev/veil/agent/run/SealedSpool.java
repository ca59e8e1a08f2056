package dev.veil.agent.run;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Collections;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * An append-only file of records, each sealed with AES-256-GCM under a key that exists only in
 * this object's memory: what a job printed is never on disk in clear, and a spool left behind by
 * a crash can be read by nobody (the agent deletes such orphans when it starts).
 *
 * <p>Layout: per record a 4-byte length, then the ciphertext and its tag. The nonce is the
 * record's index, unique under a key used for this one file. Created readable by the agent's user
 * only.
 */
final class SealedSpool implements AutoCloseable {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int TAG_BITS = 128;

  private final Path file;
  private final SecretKey key;
  private final Cipher cipher;
  private DataOutputStream out;
  private long records;

  SealedSpool(Path file) {
    this.file = file;
    byte[] fresh = new byte[32];
    RANDOM.nextBytes(fresh);
    this.key = new SecretKeySpec(fresh, "AES");
    try {
      this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is part of every Java platform", e);
    }
  }

  void append(byte[] plaintext) {
    try {
      create();
      cipher.init(Cipher.ENCRYPT_MODE, key, nonce(records));
      byte[] sealed = cipher.doFinal(plaintext);
      out.writeInt(sealed.length);
      out.write(sealed);
      records++;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot spool to " + file, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("sealing a spooled record failed", e);
    }
  }

  /** Creates the file, empty, unless it exists: a {@link Reader} may open it before the first record. */
  void create() throws IOException {
    if (out == null) {
      Files.createDirectories(file.getParent(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(Files.createFile(file,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))), StandardOpenOption.APPEND)));
    }
  }

  /** Writes out what is buffered: every record below the answer can be read by a {@link Reader}. */
  long flush() {
    try {
      if (out != null) {
        out.flush();
      }
      return records;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot spool to " + file, e);
    }
  }

  /**
   * A reader of the records in order from the first, for as long as it is open, however the file
   * grows meanwhile; it reads only records {@link #flush() flushed} before. The file is opened now,
   * so a reader keeps reading what it has even once the spool was closed and its file deleted.
   */
  Reader reader() throws IOException {
    create();
    return new Reader(new DataInputStream(new BufferedInputStream(Files.newInputStream(file))));
  }

  /** Reads a spool's records one after another; not thread-safe. */
  final class Reader implements AutoCloseable {
    private final DataInputStream in;
    private final Cipher opener;
    private long next;

    private Reader(DataInputStream in) {
      this.in = in;
      try {
        this.opener = Cipher.getInstance("AES/GCM/NoPadding");
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("AES-GCM is part of every Java platform", e);
      }
    }

    /** The index of the record {@link #read()} reads next. */
    long next() {
      return next;
    }

    /** Passes over {@code count} records without opening them. */
    void skip(long count) throws IOException {
      for (long i = 0; i < count; i++) {
        in.skipNBytes(in.readInt());
        next++;
      }
    }

    /** The next record, opened. */
    byte[] read() throws IOException {
      byte[] sealed = in.readNBytes(in.readInt());
      try {
        opener.init(Cipher.DECRYPT_MODE, key, nonce(next));
        byte[] record = opener.doFinal(sealed);
        next++;
        return record;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("a spooled record does not open: the file was changed", e);
      }
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  long records() {
    return records;
  }

  /** Every record, in order. */
  void forEach(Consumer<byte[]> consumer) {
    forEachWhile(record -> {
      consumer.accept(record);
      return true;
    });
  }

  /** Records in order while {@code consumer} answers true; the file is closed either way. */
  void forEachWhile(Predicate<byte[]> consumer) {
    Iterator<byte[]> records = iterator();
    try {
      while (records.hasNext() && consumer.test(records.next())) {
        // consumed
      }
    } finally {
      if (records instanceof AutoCloseable closeable) {
        try {
          closeable.close();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }
  }

  /**
   * Every record written so far, in order, read and opened one at a time as the iterator is
   * advanced; the file is closed once the last one was read.
   */
  Iterator<byte[]> iterator() {
    if (out == null) {
      return Collections.emptyIterator();
    }
    long count = flush();
    try {
      Reader reader = reader();
      return new ClosingIterator() {
        @Override
        public void close() throws IOException {
          reader.close();
        }

        @Override
        public boolean hasNext() {
          return reader.next() < count;
        }

        @Override
        public byte[] next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          try {
            byte[] record = reader.read();
            if (reader.next() == count) {
              reader.close();
            }
            return record;
          } catch (IOException e) {
            throw new UncheckedIOException("cannot read the spool " + file, e);
          }
        }
      };
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the spool " + file, e);
    }
  }

  /** Closes and deletes the file. */
  @Override
  public void close() {
    try {
      if (out != null) {
        out.close();
      }
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An iterator over a file, closed when the iteration is given up before its end. */
  private interface ClosingIterator extends Iterator<byte[]>, AutoCloseable {}

  private static GCMParameterSpec nonce(long index) {
    return new GCMParameterSpec(TAG_BITS, ByteBuffer.allocate(12).putInt(0).putLong(index).array());
  }
}
