package dev.veil.tunnel;

import java.io.IOException;
import java.net.ConnectException;
import java.util.Collections;
import org.apache.sshd.client.future.DefaultOpenFuture;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.common.Closeable;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.ChannelAsyncOutputStream;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.apache.sshd.common.forward.ChannelToPortHandler;
import org.apache.sshd.common.future.CloseFuture;
import org.apache.sshd.common.future.DefaultCloseFuture;
import org.apache.sshd.common.io.IoConnectFuture;
import org.apache.sshd.common.io.IoSession;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.ExceptionUtils;
import org.apache.sshd.common.util.Readable;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.common.util.closeable.AbstractCloseable;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.common.util.threads.ThreadUtils;
import org.apache.sshd.server.channel.AbstractServerChannel;
import org.apache.sshd.server.forward.TcpForwardingFilter;

/**
 * One connection the gateway carries into this tunnel ({@code forwarded-tcpip}), delivered to its
 * forward's local target: what MINA's {@code TcpipServerChannel} does for a forwarded channel, on
 * a connector the tunnel client's channels share ({@link ForwardedChannels}). MINA's makes a
 * connector per channel and, closing it, a thread pool and a thread, started on the session's I/O
 * thread: with hundreds of connections closed at once (a proxy's idle pool timing out) every other
 * request in the tunnel waited behind them, about 1.5 ms a connection (docs/benchmarks.md,
 * Tunnels, "Mass closes"). Here a channel closes its own socket, and nothing starts a thread.
 *
 * <p>The rest is as MINA's: the target is the one this side asked the forward for (never an address
 * the gateway names), checked by the client's forwarding filter; the socket is read only once the
 * channel's opening is confirmed, and no faster than the SSH window lets its data out; the gateway's
 * EOF half-closes the socket, the socket's end sends EOF after the last data.
 */
final class ForwardedChannel extends AbstractServerChannel {

  private final ForwardedChannels channels;
  private volatile ChannelToPortHandler port;
  private ChannelAsyncOutputStream out;

  ForwardedChannel(ForwardedChannels channels) {
    super("", Collections.emptyList(), null);
    this.channels = channels;
  }

  @Override
  protected OpenFuture doInit(Buffer buffer) {
    // RFC 4254 7.2: the address and port that were connected (the forward), then the originator's.
    buffer.getString();
    int forwardedPort = buffer.getInt();
    buffer.getString();
    buffer.getInt();
    OpenFuture opened = new DefaultOpenFuture(this, this);
    SshdSocketAddress target = service.getForwarder().getForwardedPort(forwardedPort);
    Session session = getSession();
    TcpForwardingFilter filter = session.getFactoryManager().getTcpForwardingFilter();
    if (target == null || filter == null || !filter.canConnect(TcpForwardingFilter.Type.Forwarded, target, session)) {
      try {
        opened.setException(new SshChannelOpenException(getChannelId(), SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED,
            "Connection denied"));
      } finally {
        super.close(true);
      }
      return opened;
    }
    out = new ChannelAsyncOutputStream(this, SshConstants.SSH_MSG_CHANNEL_DATA) {
      @Override
      protected CloseFuture doCloseGracefully() {
        // The data written first, then EOF, then closed.
        DefaultCloseFuture closed = new DefaultCloseFuture(getChannelId(), futureLock);
        super.doCloseGracefully().addListener(written -> {
          try {
            IoWriteFuture eof = sendEof();
            if (eof != null) {
              eof.addListener(sent -> closed.setClosed());
              return;
            }
          } catch (IOException | RuntimeException e) {
            getSession().exceptionCaught(e);
          }
          closed.setClosed();
        });
        return closed;
      }
    };
    channels.connect(target, this).addListener(connected -> connected(opened, connected));
    return opened;
  }

  private void connected(OpenFuture opened, IoConnectFuture connect) {
    if (!connect.isConnected()) {
      Throwable problem = ExceptionUtils.peelException(connect.getException());
      failed(opened, problem == null ? new ConnectException("not connected") : problem);
      return;
    }
    IoSession socket = connect.getSession();
    port = new ChannelToPortHandler(socket, this);
    if (isClosing()) {
      // Closed while connecting (the tunnel or the gateway's end gone): its socket may have been
      // looked for before it was set, so it is closed here; nothing is delivered.
      socket.close(true);
      opened.setException(new SshChannelOpenException(getChannelId(), SshConstants.SSH_OPEN_CONNECT_FAILED,
          "closed while connecting"));
      return;
    }
    try {
      signalChannelOpenSuccess();
      opened.setOpened();
      if (opened.isCanceled()) {
        close(false).addListener(closed -> opened.getCancellation().setCanceled());
      } else {
        // The opening confirmed: the target's data may go out now.
        socket.resumeRead();
      }
      notifyStateChanged("connected");
    } catch (RuntimeException e) {
      failed(opened, e);
    }
  }

  private void failed(OpenFuture opened, Throwable problem) {
    try {
      signalChannelOpenFailure(problem);
      opened.setException(problem instanceof ConnectException
          ? new SshChannelOpenException(getChannelId(), SshConstants.SSH_OPEN_CONNECT_FAILED, problem.getMessage(), problem)
          : problem);
      notifyStateChanged(problem.getClass().getSimpleName());
    } finally {
      close(true);
    }
  }

  @Override
  public void handleWindowAdjust(Buffer buffer) throws IOException {
    super.handleWindowAdjust(buffer);
    if (out != null) {
      out.onWindowExpanded();
    }
  }

  @Override
  public void handleEof() throws IOException {
    super.handleEof();
    ChannelToPortHandler handler = port;
    if (handler != null) {
      handler.handleEof();
    }
  }

  @Override
  protected boolean mayWrite() {
    // Writing goes on while closing, so what the target sent last is flushed before the EOF.
    return !isClosed();
  }

  @Override
  protected void doWriteData(byte[] data, int off, long len) throws IOException {
    ChannelToPortHandler handler = port;
    // Null once closed at once (the target reset it, say) while the tunnel's data was on its way:
    // dropped, the channel is closing. An exception here would close the whole tunnel.
    if (handler != null) {
      handler.sendToPort(SshConstants.SSH_MSG_CHANNEL_DATA, data, off, len);
    }
  }

  @Override
  protected void doWriteExtendedData(byte[] data, int off, long len) {
    throw new UnsupportedOperationException("a forwarded connection carries no extended data");
  }

  @Override
  protected Closeable getInnerCloseable() {
    return builder().close(out).close(super.getInnerCloseable()).close(new TargetSocket()).build();
  }

  /** Data the target sent: out into the channel, the socket read again once it is written (the window allowing). */
  void fromTarget(IoSession socket, Readable message) {
    if (isClosing()) {
      return;
    }
    Buffer buffer = new ByteArrayBuffer(message.available(), false);
    buffer.putBuffer(message);
    socket.suspendRead();
    try {
      // As MINA's own I/O: during a key exchange, channel data written by any other thread waits
      // for it to end, and this thread (the socket's I/O) must not.
      ThreadUtils.runAsInternal(() -> out.writeBuffer(buffer).addListener(written -> {
        if (written.getException() != null) {
          close(true);
        } else {
          socket.resumeRead();
        }
      }));
    } catch (Exception e) {
      close(true);
    }
  }

  /** The socket to the target, closed with the channel: gracefully (what was written goes out first) or at once. */
  private final class TargetSocket extends AbstractCloseable {

    @Override
    protected CloseFuture doCloseGracefully() {
      ChannelToPortHandler handler = port;
      return handler == null ? null : handler.getPortSession().close(false);
    }

    @Override
    protected void doCloseImmediately() {
      ChannelToPortHandler handler = port;
      port = null;
      if (handler != null) {
        handler.getPortSession().close(true);
      }
      super.doCloseImmediately();
    }
  }
}
