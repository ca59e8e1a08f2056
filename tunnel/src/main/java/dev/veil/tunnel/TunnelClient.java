package dev.veil.tunnel;

import dev.veil.model.auth.Ed25519;
import java.io.IOException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.PropertyResolver;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.forward.AgentForwardingFilter;
import org.apache.sshd.server.forward.ForwardingFilter;
import org.apache.sshd.server.forward.TcpForwardingFilter;
import org.apache.sshd.server.forward.X11ForwardingFilter;

/**
 * The agent's side of the tunnel: an SSH client that logs in to the gateway with the node's own
 * Ed25519 key (the handshake proves the node ID, nothing else is needed) and accepts a gateway
 * only if its host key has the pinned fingerprint. What comes back through the tunnel can only be
 * connections into the forwards this side asked for; the gateway can open nothing else here.
 */
public final class TunnelClient implements AutoCloseable {

  private final SshClient client;
  private final ForwardedChannels forwardedChannels = new ForwardedChannels();
  private final KeyPair nodeKey;
  private final String nodeId;

  /**
   * @param nodeKey             the node's Ed25519 key pair (the JDK's objects)
   * @param gatewayFingerprint  the gateway's host key fingerprint, {@code SHA256:...}; any other key is refused
   * @param heartbeat           how often the client checks that the gateway still answers; three missed replies close the tunnel
   */
  public TunnelClient(KeyPair nodeKey, String gatewayFingerprint, Duration heartbeat) {
    if (gatewayFingerprint == null || !gatewayFingerprint.startsWith("SHA256:")) {
      throw new IllegalArgumentException("the gateway's host key fingerprint (SHA256:...) is required: a tunnel never trusts an unknown gateway");
    }
    this.nodeKey = SshKeys.forSsh(nodeKey);
    this.nodeId = Ed25519.id(nodeKey.getPublic());
    client = SshClient.setUpDefaultClient();
    client.setServerKeyVerifier((session, address, key) -> SshKeys.hasFingerprint(key, gatewayFingerprint));
    client.setCipherFactories(TunnelCiphers.preferred());
    client.setForwarderFactory(ClientForwarder::new);
    // The only channels the gateway may open here: connections into this side's forwards.
    client.setChannelFactories(List.of(forwardedChannels));
    client.setForwardingFilter(ForwardingFilter.asForwardingFilter(
        AgentForwardingFilter.of(false), X11ForwardingFilter.of(false), new IntoOwnForwardsOnly()));
    // Small writes go out at once: with Nagle's algorithm a request waited for a delayed ACK (~40 ms).
    CoreModuleProperties.TCP_NODELAY.set(client, true);
    CoreModuleProperties.HEARTBEAT_INTERVAL.set(client, heartbeat);
    CoreModuleProperties.HEARTBEAT_REPLY_WAIT.set(client, heartbeat);
    CoreModuleProperties.HEARTBEAT_NO_REPLY_MAX.set(client, 3);
    TunnelIoSettings.hold(client);
    client.start();
  }

  /** Opens a tunnel to the gateway's SSH port and logs in as this node. Blocks up to {@code timeout}. */
  public Tunnel connect(String host, int port, Duration timeout) throws IOException {
    ClientSession session = client.connect(nodeId, host, port).verify(timeout).getSession();
    try {
      session.addPublicKeyIdentity(nodeKey);
      session.auth().verify(timeout);
      return new Tunnel(session);
    } catch (IOException | RuntimeException e) {
      session.close(true);
      throw e;
    }
  }

  public String nodeId() {
    return nodeId;
  }

  /** The SSH client's own settings, which its sessions read first. */
  PropertyResolver settings() {
    return client;
  }

  @Override
  public void close() throws IOException {
    try {
      client.stop();
    } finally {
      forwardedChannels.close();
    }
  }

  /**
   * Connections the gateway opens come only into forwards this side asked for (MINA looks the
   * target up in its own table of requested forwards before asking); the gateway can never make
   * this side dial an address of its choosing, nor listen on anything here.
   */
  private static final class IntoOwnForwardsOnly implements TcpForwardingFilter {
    @Override
    public boolean canListen(SshdSocketAddress address, org.apache.sshd.common.session.Session session) {
      return false;
    }

    @Override
    public boolean canConnect(Type type, SshdSocketAddress address, org.apache.sshd.common.session.Session session) {
      return type == Type.Forwarded;
    }
  }
}
