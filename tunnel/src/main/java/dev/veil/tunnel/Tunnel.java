package dev.veil.tunnel;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.kex.KexProposalOption;
import org.apache.sshd.common.util.net.SshdSocketAddress;

/**
 * One open tunnel to the gateway, and the forwards it carries: each one a name the gateway routes
 * into this tunnel, and the local address its connections are delivered to.
 */
public final class Tunnel implements AutoCloseable {

  private final ClientSession session;
  private final Map<ForwardName, SshdSocketAddress> forwards = new ConcurrentHashMap<>();

  Tunnel(ClientSession session) {
    this.session = session;
  }

  /**
   * Asks the gateway to route {@code name} into this tunnel, delivering each connection to
   * {@code targetHost:targetPort} on this side. Blocks until the gateway answers.
   *
   * @throws IOException the gateway refused the name (not this node's to use, or the tunnel is gone)
   */
  public void forward(ForwardName name, String targetHost, int targetPort) throws IOException {
    SshdSocketAddress bound = session.startRemotePortForwarding(new SshdSocketAddress(name.wire(), 0),
        new SshdSocketAddress(targetHost, targetPort));
    forwards.put(name, bound);
  }

  /** Withdraws a forward: the gateway stops routing its name at once. Nothing if there is none. */
  public void cancel(ForwardName name) throws IOException {
    SshdSocketAddress bound = forwards.remove(name);
    if (bound != null) {
      session.stopRemotePortForwarding(bound);
    }
  }

  /** The cipher the two sides agreed on (client to server), e.g. {@code aes128-gcm@openssh.com}. */
  public String cipher() {
    return session.getNegotiatedKexParameter(KexProposalOption.C2SENC);
  }

  public boolean isOpen() {
    return session.isOpen() && !session.isClosing();
  }

  /** Runs {@code listener} once the tunnel has closed, whichever side closed it. */
  public void whenClosed(Runnable listener) {
    session.addCloseFutureListener(future -> listener.run());
  }

  @Override
  public void close() {
    session.close(true);
  }
}
