package dev.veil.tunnel;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.SshException;
import org.apache.sshd.common.forward.DefaultForwarder;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.core.CoreModuleProperties;

/**
 * The agent's remote forwards, without MINA's lock across the round trip. MINA's own
 * {@code startRemotePortForwarding} holds the forwarder's monitor while it waits for the
 * gateway's reply, and {@code getForwardedPort}, called on the session's I/O thread for every
 * connection the gateway opens, needs that monitor too: a connection arriving for the node's API
 * while a service forward is being asked for blocks the I/O thread, so the reply is never read
 * and both wait out the request timeout (reproduced by {@code GatewayTunnelIT}). Here the request
 * goes out with no lock held, and the table of targets is a concurrent map.
 */
final class ClientForwarder extends DefaultForwarder {

  private final Map<Integer, SshdSocketAddress> targets = new ConcurrentHashMap<>();

  ClientForwarder(ConnectionService service) {
    super(service);
  }

  @Override
  public SshdSocketAddress startRemotePortForwarding(SshdSocketAddress remote, SshdSocketAddress local) throws IOException {
    Session session = getSession();
    String name = remote.getHostName();
    Buffer reply = session.request("tcpip-forward", globalRequest(session, "tcpip-forward", true, remote),
        CoreModuleProperties.FORWARD_REQUEST_TIMEOUT.getRequired(session));
    if (reply == null) {
      throw new SshException("the gateway refused the forward");
    }
    int port = remote.getPort() == 0 ? reply.getInt() : remote.getPort();
    if (targets.putIfAbsent(port, local) != null) {
      throw new SshException("the gateway answered a forward with a port already in use");
    }
    return new SshdSocketAddress(name, port);
  }

  @Override
  public void stopRemotePortForwarding(SshdSocketAddress remote) throws IOException {
    if (targets.remove(remote.getPort()) == null) {
      return;
    }
    Session session = getSession();
    session.writePacket(globalRequest(session, "cancel-tcpip-forward", false, remote));
  }

  // RFC 4254 7.1: the request's name, want-reply, the address (here a forward name) and port.
  private static Buffer globalRequest(Session session, String request, boolean wantReply, SshdSocketAddress remote) {
    String name = remote.getHostName();
    Buffer buffer = session.createBuffer(SshConstants.SSH_MSG_GLOBAL_REQUEST, name.length() + request.length() + Long.SIZE);
    buffer.putString(request);
    buffer.putBoolean(wantReply);
    buffer.putString(name);
    buffer.putUInt(remote.getPort());
    return buffer;
  }

  @Override
  public SshdSocketAddress getForwardedPort(int remotePort) {
    return targets.get(remotePort);
  }
}
