package dev.veil.model.sealing;

import dev.veil.model.json.VeilJson;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.hpke.HPKEContext;
import org.bouncycastle.crypto.hpke.HPKEContextWithEncapsulation;
import tools.jackson.databind.JsonNode;

/**
 * A job's live log ({@code GET /job-logs/{jobId}}) when its result is sealed to its owner: the
 * stream's first event is {@code event: sealed} with {@code data: {"suite": ..., "enc": ...}},
 * one HPKE context per connection (auth mode, {@link Hpke#AUTH_SUITE}, the node's encryption key
 * the sender's, as for {@link SealedResult}; {@code info} {@value #INFO}); every
 * later event's {@code data} is, instead of its JSON, that JSON sealed with the context's next
 * nonce, base64url without padding, with associated data
 * {@code "veil sealed log v1\n" + jobId + "\n" + nodeId + "\n" + event + "\n" + id} ({@code id}
 * empty for {@code end}). Line numbers ({@code id:}) and event names stay in clear, so a stream
 * resumes as a plain one; what a line says does not. Events open only in the order sent.
 */
public final class SealedLog {

  public static final String INFO = "veil/v1 log";

  private SealedLog() {}

  static byte[] aad(String jobId, String nodeId, String event, String id) {
    return ("veil sealed log v1\n" + jobId + "\n" + nodeId + "\n" + event + "\n" + id).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] info() {
    return INFO.getBytes(StandardCharsets.UTF_8);
  }

  /** Seals one connection's events, in the order they are sent. Not for use by two threads at once. */
  public static final class Sealer {
    private final HPKEContextWithEncapsulation context;
    private final String jobId;
    private final String nodeId;

    private Sealer(HPKEContextWithEncapsulation context, String jobId, String nodeId) {
      this.context = context;
      this.jobId = jobId;
      this.nodeId = nodeId;
    }

    /** A sealer to {@code recipient} (32 raw bytes) for that job's log on that node, as the holder of the node's key. */
    public static Sealer to(byte[] recipient, byte[] nodePrivateKey, String jobId, String nodeId) {
      return new Sealer(Hpke.sender(recipient, info(), nodePrivateKey), jobId, nodeId);
    }

    /** The {@code sealed} event's data: {@code {"suite":"...","enc":"..."}}. */
    public byte[] header() {
      return ("{\"suite\":\"" + Hpke.AUTH_SUITE + "\",\"enc\":\"" + SignedKeys.encode(context.getEncapsulation()) + "\"}")
          .getBytes(StandardCharsets.US_ASCII);
    }

    /** The next event's data, sealed: base64url of its ciphertext. */
    public byte[] seal(String event, String id, byte[] data) {
      try {
        return SignedKeys.encode(context.seal(aad(jobId, nodeId, event, id), data)).getBytes(StandardCharsets.US_ASCII);
      } catch (InvalidCipherTextException e) {
        throw new IllegalStateException("AES-GCM sealing does not fail", e);
      }
    }
  }

  /** Opens one connection's events, in the order they came. */
  public static final class Opener {
    private final HPKEContext context;
    private final String jobId;
    private final String nodeId;

    private Opener(HPKEContext context, String jobId, String nodeId) {
      this.context = context;
      this.jobId = jobId;
      this.nodeId = nodeId;
    }

    /** From the {@code sealed} event's data, with the recipient's private key and the node's encryption key. */
    public static Opener of(byte[] privateKey, byte[] nodeKey, String jobId, String nodeId, String header)
        throws SealedResult.NotOpened {
      JsonNode fields;
      try {
        fields = VeilJson.strict().readTree(header);
      } catch (RuntimeException e) {
        throw new SealedResult.NotOpened("the sealed log's header is not JSON");
      }
      if (!Hpke.AUTH_SUITE.equals(fields.path("suite").asString(""))) {
        throw new SealedResult.NotOpened("the log is sealed with another suite than " + Hpke.AUTH_SUITE);
      }
      HPKEContext context = SignedKeys.decode(fields.path("enc").asString(null))
          .flatMap(enc -> Hpke.receiver(privateKey, enc, info(), nodeKey))
          .orElseThrow(() -> new SealedResult.NotOpened("the sealed log's enc is not a usable encapsulated X25519 key"));
      return new Opener(context, jobId, nodeId);
    }

    /** The next event's data, opened. */
    public byte[] open(String event, String id, String data) throws SealedResult.NotOpened {
      Optional<byte[]> sealed = SignedKeys.decode(data);
      if (sealed.isEmpty()) {
        throw new SealedResult.NotOpened("a sealed log event's data is not base64url");
      }
      try {
        return context.open(aad(jobId, nodeId, event, id), sealed.get());
      } catch (InvalidCipherTextException | IllegalArgumentException | IllegalStateException e) {
        throw new SealedResult.NotOpened("a log event does not open with this key for this job and node: sealed to another "
            + "key, or changed, reordered or dropped on the way");
      }
    }
  }
}
