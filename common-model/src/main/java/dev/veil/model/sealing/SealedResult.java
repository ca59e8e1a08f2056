package dev.veil.model.sealing;

import dev.veil.model.json.VeilJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.hpke.HPKEContext;
import org.bouncycastle.crypto.hpke.HPKEContextWithEncapsulation;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * A private result sealed to its owner's recipient key ({@link RecipientKey}) by the node that ran
 * the job, as {@code GET /job-result/{jobId}} hands it out with {@code Content-Type: }{@value #MEDIA_TYPE}:
 * {@code {"suite": ..., "enc": ..., "chunks": ["...", ...]}}.
 *
 * <p>One HPKE context (auth mode, {@link Hpke#AUTH_SUITE}: the sender's key is the node's X25519
 * encryption key, which its node key signs, so only that node can have sealed it; {@code info}
 * {@value #INFO}) seals the result's JSON in chunks, one after another, so a result of any size
 * is sealed with bounded memory (and can be opened so); chunk {@code i} is sealed with the context's {@code i}-th nonce (RFC 9180,
 * section 5.2), so chunks cannot be reordered, and with associated data
 * {@code "veil sealed result v1\n" + jobId + "\n" + nodeId + "\n" + ("last" | "more")}, so a
 * result cut short or moved to another job or node does not open. Chunks are base64url without
 * padding; the host makes them {@value #CHUNK} bytes (the last one shorter), any size opens.
 */
public final class SealedResult {

  public static final String MEDIA_TYPE = "application/veil.sealed-result+json";
  public static final String INFO = "veil/v1 result";
  public static final int CHUNK = 64 * 1024;

  private SealedResult() {}

  static byte[] aad(String jobId, String nodeId, boolean last) {
    return ("veil sealed result v1\n" + jobId + "\n" + nodeId + "\n" + (last ? "last" : "more")).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] info() {
    return INFO.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Seals a result chunk by chunk into the document's bytes: {@link #head()} first, then every
   * chunk in order, the last one flagged.
   */
  public static final class Writer {

    private final HPKEContextWithEncapsulation context;
    private final String jobId;
    private final String nodeId;
    private boolean first = true;
    private boolean ended;

    private Writer(HPKEContextWithEncapsulation context, String jobId, String nodeId) {
      this.context = context;
      this.jobId = jobId;
      this.nodeId = nodeId;
    }

    /** A writer sealing to {@code recipient} (32 raw bytes) for that job on that node, as the holder of the node's key. */
    public static Writer to(byte[] recipient, byte[] nodePrivateKey, String jobId, String nodeId) {
      return new Writer(Hpke.sender(recipient, info(), nodePrivateKey), jobId, nodeId);
    }

    /** {@code {"suite":"...","enc":"...","chunks":[} */
    public byte[] head() {
      return ("{\"suite\":\"" + Hpke.AUTH_SUITE + "\",\"enc\":\"" + SignedKeys.encode(context.getEncapsulation()) + "\",\"chunks\":[")
          .getBytes(StandardCharsets.US_ASCII);
    }

    /** The next chunk, sealed, as it goes into the document; after the {@code last} one, the document's end. */
    public byte[] chunk(byte[] plaintext, int length, boolean last) {
      if (ended) {
        throw new IllegalStateException("the last chunk was written");
      }
      byte[] sealed;
      try {
        sealed = context.seal(aad(jobId, nodeId, last), plaintext, 0, length);
      } catch (InvalidCipherTextException e) {
        throw new IllegalStateException("AES-GCM sealing does not fail", e);
      }
      String text = (first ? "\"" : ",\"") + SignedKeys.encode(sealed) + (last ? "\"]}" : "\"");
      first = false;
      ended = last;
      return text.getBytes(StandardCharsets.US_ASCII);
    }
  }

  /** Why a sealed result did not open: not sealed to this key, for this job and node, or changed or cut short. */
  public static final class NotOpened extends Exception {
    NotOpened(String reason) {
      super(reason);
    }
  }

  /**
   * Opens a sealed result read from {@code in}, writing its plaintext to {@code out} chunk by
   * chunk; {@code nodeKey} is the node's X25519 encryption key (checked against its node ID): a
   * result sealed by anyone else does not open. Whatever was written before a {@link NotOpened}
   * must be discarded: only a result that opened to its last chunk is whole.
   */
  public static void open(byte[] privateKey, byte[] nodeKey, String jobId, String nodeId, InputStream in, OutputStream out)
      throws NotOpened, IOException {
    try (JsonParser parser = VeilJson.strict().createParser(in)) {
      expect(parser.nextToken() == JsonToken.START_OBJECT, "not a sealed result: a JSON object is expected");
      String suite = null;
      HPKEContext context = null;
      boolean done = false;
      for (JsonToken token = parser.nextToken(); token != JsonToken.END_OBJECT; token = parser.nextToken()) {
        expect(token == JsonToken.PROPERTY_NAME, "not a sealed result");
        String field = parser.currentName();
        parser.nextToken();
        switch (field) {
          case "suite" -> {
            suite = parser.getValueAsString();
            expect(Hpke.AUTH_SUITE.equals(suite), "sealed with another suite than " + Hpke.AUTH_SUITE);
          }
          case "enc" -> {
            expect(suite != null, "the suite must come before enc");
            context = SignedKeys.decode(parser.getValueAsString()).flatMap(enc -> Hpke.receiver(privateKey, enc, info(), nodeKey))
                .orElseThrow(() -> new NotOpened("enc is not a usable encapsulated X25519 key"));
          }
          case "chunks" -> {
            expect(context != null && parser.currentToken() == JsonToken.START_ARRAY, "chunks must be an array after enc");
            done = openChunks(parser, context, jobId, nodeId, out);
          }
          default -> throw new NotOpened("not a sealed result: unknown field " + field);
        }
      }
      expect(done, "the sealed result is cut short: its last chunk is missing");
    } catch (JacksonException e) {
      throw new NotOpened("not a sealed result: " + e.getOriginalMessage());
    }
  }

  private static boolean openChunks(JsonParser parser, HPKEContext context, String jobId, String nodeId, OutputStream out)
      throws NotOpened, IOException {
    byte[] pending = null;
    for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
      expect(token == JsonToken.VALUE_STRING, "a chunk is a base64url string");
      if (pending != null) {
        out.write(openChunk(context, pending, jobId, nodeId, false));
      }
      pending = SignedKeys.decode(parser.getString()).orElseThrow(() -> new NotOpened("a chunk is not base64url"));
    }
    expect(pending != null, "the sealed result has no chunks");
    out.write(openChunk(context, pending, jobId, nodeId, true));
    return true;
  }

  private static byte[] openChunk(HPKEContext context, byte[] sealed, String jobId, String nodeId, boolean last) throws NotOpened {
    try {
      return context.open(aad(jobId, nodeId, last), sealed);
    } catch (InvalidCipherTextException | IllegalArgumentException | IllegalStateException e) {
      throw new NotOpened("the sealed result does not open with this key for this job and node: sealed to another key, "
          + "by another than the node, for another job or node, or changed, reordered or cut short on the way");
    }
  }

  private static void expect(boolean condition, String otherwise) throws NotOpened {
    if (!condition) {
      throw new NotOpened(otherwise);
    }
  }
}
