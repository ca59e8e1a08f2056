package dev.veil.agent.identity;

import dev.veil.agent.config.AgentProperties;
import dev.veil.model.auth.SecretFile;
import dev.veil.model.sealing.Hpke;
import dev.veil.model.sealing.NodeEncryptionKey;
import dev.veil.model.sealing.SealedDefinition;
import dev.veil.model.sealing.SealedLog;
import dev.veil.model.sealing.SealedResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * This node's X25519 encryption key ({@code <data-dir>/encryption.key}, 0600, made on first
 * start), and its public half signed by the node key: what clients seal private definitions to,
 * and what results and live logs sealed to their owners are sealed with.
 */
@Component
public class NodeEncryption {

  private final NodeIdentity node;
  private final byte[] privateKey;
  private final NodeEncryptionKey published;

  public NodeEncryption(NodeIdentity node, AgentProperties properties) {
    this.node = node;
    try {
      this.privateKey = SecretFile.loadOrCreate(properties.dataDir().resolve("encryption.key"), Hpke::newPrivateKey);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load the node's encryption key", e);
    }
    this.published = NodeEncryptionKey.signed(node.nodeId(), node.key().getPrivate(), Hpke.publicKey(privateKey));
  }

  /** The public key and the node key's signature of it, as published. */
  public NodeEncryptionKey publicKey() {
    return published;
  }

  /** Seals a job's result to its owner's key, as this node (HPKE auth mode): nobody else can make one that opens. */
  public SealedResult.Writer resultWriter(byte[] recipient, String jobId) {
    return SealedResult.Writer.to(recipient, privateKey, jobId, node.nodeId());
  }

  /** Seals one connection of a job's live log to its owner's key, as this node. */
  public SealedLog.Sealer logSealer(byte[] recipient, String jobId) {
    return SealedLog.Sealer.to(recipient, privateKey, jobId, node.nodeId());
  }

  /** The definition's JSON, when it was sealed to this node for {@code jobId}; else empty. */
  public Optional<byte[]> open(SealedDefinition sealed, String jobId) {
    return sealed.open(privateKey, jobId, node.nodeId());
  }
}
