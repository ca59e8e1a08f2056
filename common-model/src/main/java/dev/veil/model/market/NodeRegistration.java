package dev.veil.model.market;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.veil.model.sealing.NodeEncryptionKey;

/**
 * {@code PUT /v1/nodes/self}, node-signed: registers the node, and renews it. It names no address:
 * the gateway reaches a node only through the tunnel the node dials with its own key.
 *
 * @param version  the agent's version
 * @param gpu      whether the host offers GPUs
 * @param capacity jobs it runs at once
 * @param encryptionKey the node's X25519 key clients seal private definitions to, signed by the node key
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeRegistration(String version, Boolean gpu, Integer capacity, NodeEncryptionKey encryptionKey) {

  public NodeRegistration(String version, Boolean gpu, Integer capacity) {
    this(version, gpu, capacity, null);
  }
}
