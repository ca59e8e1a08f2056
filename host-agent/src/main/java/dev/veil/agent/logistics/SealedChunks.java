package dev.veil.agent.logistics;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * A large private item as a stream of AES-256-GCM sealed chunks, so it is written and read with
 * bounded memory (one GCM message authenticates only as a whole, so a whole-file seal must be
 * held in memory to be opened).
 *
 * <p>Layout: an 8-byte random prefix, then per chunk a 4-byte length and the ciphertext with its
 * tag. Chunk {@code i}'s nonce is the prefix followed by {@code i}; its associated data is the
 * item's name, {@code i} and whether it is the last chunk. So chunks cannot be reordered, moved
 * to another item, or dropped from the end without the reader noticing.
 */
final class SealedChunks {

  static final int CHUNK = 64 * 1024;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  private SealedChunks() {}

  static OutputStream writer(OutputStream file, SecretKey key, String item) throws IOException {
    byte[] prefix = new byte[8];
    RANDOM.nextBytes(prefix);
    file.write(prefix);
    return new Writer(new DataOutputStream(file), key, item, prefix);
  }

  static InputStream reader(InputStream file, SecretKey key, String item) throws IOException {
    DataInputStream in = new DataInputStream(file);
    byte[] prefix = in.readNBytes(8);
    if (prefix.length < 8) {
      throw new EOFException("the sealed item " + item + " is cut short");
    }
    return new Reader(in, key, item, prefix);
  }

  private static GCMParameterSpec nonce(byte[] prefix, long index) {
    return new GCMParameterSpec(TAG_BITS, ByteBuffer.allocate(12).put(prefix).putInt((int) index).array());
  }

  private static byte[] aad(String item, long index, boolean last) {
    return (item + "#" + index + "#" + (last ? "last" : "more")).getBytes(StandardCharsets.UTF_8);
  }

  private static Cipher cipher() {
    try {
      return Cipher.getInstance("AES/GCM/NoPadding");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is part of every Java platform", e);
    }
  }

  private static final class Writer extends OutputStream {
    private final DataOutputStream out;
    private final SecretKey key;
    private final String item;
    private final byte[] prefix;
    private final Cipher cipher = cipher();
    private final byte[] buffer = new byte[CHUNK];
    private int filled;
    private long index;
    private boolean closed;

    Writer(DataOutputStream out, SecretKey key, String item, byte[] prefix) {
      this.out = out;
      this.key = key;
      this.item = item;
      this.prefix = prefix;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int off, int len) throws IOException {
      while (len > 0) {
        // A full buffer is sealed only when more comes, so the last chunk is never an empty extra.
        if (filled == CHUNK) {
          seal(false);
        }
        int n = Math.min(len, CHUNK - filled);
        System.arraycopy(bytes, off, buffer, filled, n);
        filled += n;
        off += n;
        len -= n;
      }
    }

    private void seal(boolean last) throws IOException {
      try {
        cipher.init(Cipher.ENCRYPT_MODE, key, nonce(prefix, index));
        cipher.updateAAD(aad(item, index, last));
        byte[] sealed = cipher.doFinal(buffer, 0, filled);
        out.writeInt(sealed.length);
        out.write(sealed);
        filled = 0;
        index++;
      } catch (GeneralSecurityException e) {
        throw new IOException("sealing a chunk failed", e);
      }
    }

    @Override
    public void close() throws IOException {
      if (!closed) {
        closed = true;
        seal(true);
        out.close();
      }
    }
  }

  private static final class Reader extends InputStream {
    private final DataInputStream in;
    private final SecretKey key;
    private final String item;
    private final byte[] prefix;
    private final Cipher cipher = cipher();
    private byte[] chunk = new byte[0];
    private int position;
    private long index;
    private boolean ended;

    Reader(DataInputStream in, SecretKey key, String item, byte[] prefix) {
      this.in = in;
      this.key = key;
      this.item = item;
      this.prefix = prefix;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] bytes, int off, int len) throws IOException {
      while (position == chunk.length) {
        if (ended) {
          return -1;
        }
        next();
      }
      int n = Math.min(len, chunk.length - position);
      System.arraycopy(chunk, position, bytes, off, n);
      position += n;
      return n;
    }

    private void next() throws IOException {
      int length;
      try {
        length = in.readInt();
      } catch (EOFException e) {
        throw new EOFException("the sealed item " + item + " is cut short: its last chunk is missing");
      }
      if (length < 16 || length > CHUNK + 16) {
        throw new IOException("the sealed item " + item + " is damaged");
      }
      byte[] sealed = in.readNBytes(length);
      if (sealed.length < length) {
        throw new EOFException("the sealed item " + item + " is cut short");
      }
      // Try it as a middle chunk, then as the last: the associated data says which it is.
      byte[] opened = open(sealed, false);
      if (opened == null) {
        opened = open(sealed, true);
        if (opened == null) {
          throw new IOException("the sealed item " + item + " does not open with this agent's key: it was changed or moved");
        }
        ended = true;
      }
      chunk = opened;
      position = 0;
      index++;
    }

    private byte[] open(byte[] sealed, boolean last) {
      try {
        cipher.init(Cipher.DECRYPT_MODE, key, nonce(prefix, index));
        cipher.updateAAD(aad(item, index, last));
        return cipher.doFinal(sealed);
      } catch (GeneralSecurityException e) {
        return null;
      }
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
