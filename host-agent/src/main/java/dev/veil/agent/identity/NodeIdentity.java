package dev.veil.agent.identity;

import dev.veil.agent.config.AgentProperties;
import dev.veil.model.auth.Ed25519;
import dev.veil.model.auth.KeyFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.KeyPair;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/** This node's Ed25519 key, from a 0600 file created on first start. Its public key, base58, is the node ID. */
@Component
public class NodeIdentity {

  private static final Logger log = LoggerFactory.getLogger(NodeIdentity.class);

  private final KeyPair key;
  private final String nodeId;

  public NodeIdentity(AgentProperties properties) {
    try {
      this.key = KeyFile.loadOrCreate(properties.nodeKeyFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load the node key " + properties.nodeKeyFile(), e);
    }
    this.nodeId = Ed25519.id(key.getPublic());
    log.info("node {} (key {})", nodeId, properties.nodeKeyFile());
  }

  public KeyPair key() {
    return key;
  }

  public String nodeId() {
    return nodeId;
  }
}
