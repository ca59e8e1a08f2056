package dev.veil.tunnel;

import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.io.IoConnectFuture;
import org.apache.sshd.common.io.IoConnector;
import org.apache.sshd.common.io.IoHandler;
import org.apache.sshd.common.io.IoSession;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.Readable;
import org.apache.sshd.common.util.net.SshdSocketAddress;

/**
 * The tunnel client's {@code forwarded-tcpip} channels ({@link ForwardedChannel}), in place of
 * MINA's, and the one connector they share for their sockets to the forwards' targets: each socket
 * carries its channel as an attribute, through which this handler passes its events on.
 */
final class ForwardedChannels implements ChannelFactory, IoHandler {

  private static final AttributeRepository.AttributeKey<ForwardedChannel> CHANNEL = new AttributeRepository.AttributeKey<>();

  private IoConnector connector;
  private boolean closed;

  @Override
  public String getName() {
    return "forwarded-tcpip";
  }

  @Override
  public Channel createChannel(Session session) {
    return new ForwardedChannel(this);
  }

  /** Connects {@code channel}'s socket to {@code target}; read only once resumed. */
  IoConnectFuture connect(SshdSocketAddress target, ForwardedChannel channel) {
    return connector(channel.getSession()).connect(target.toInetSocketAddress(),
        AttributeRepository.ofKeyValuePair(CHANNEL, channel), null);
  }

  private synchronized IoConnector connector(Session session) {
    if (closed) {
      throw new IllegalStateException("the tunnel client is closed");
    }
    if (connector == null) {
      connector = session.getFactoryManager().getIoServiceFactory().createConnector(this);
    }
    return connector;
  }

  /** Closes the connector and every socket still open on it (the client stopping). */
  synchronized void close() {
    closed = true;
    if (connector != null) {
      connector.close(true);
    }
  }

  @Override
  public void sessionCreated(IoSession socket) {
    // Not read before the channel's opening is confirmed: no data may precede the confirmation.
    socket.suspendRead();
  }

  @Override
  public void messageReceived(IoSession socket, Readable message) {
    ForwardedChannel channel = channelOf(socket);
    if (channel == null) {
      socket.close(true);
    } else {
      channel.fromTarget(socket, message);
    }
  }

  @Override
  public void sessionClosed(IoSession socket) {
    ForwardedChannel channel = channelOf(socket);
    if (channel != null) {
      channel.close(false);
    }
  }

  @Override
  public void exceptionCaught(IoSession socket, Throwable cause) {
    ForwardedChannel channel = channelOf(socket);
    if (channel != null) {
      channel.close(!socket.isOpen());
    }
  }

  private static ForwardedChannel channelOf(IoSession socket) {
    Object context = socket.getAttribute(AttributeRepository.class);
    return context instanceof AttributeRepository attributes ? attributes.getAttribute(CHANNEL) : null;
  }
}
