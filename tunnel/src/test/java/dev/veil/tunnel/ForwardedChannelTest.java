package dev.veil.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.model.auth.Ed25519;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.forward.DefaultForwarder;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.forward.AcceptAllForwardingFilter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.netty.DisposableServer;
import reactor.netty.tcp.TcpServer;

/**
 * Connections carried into a tunnel and delivered to a forward's target, through real SSH: a MINA
 * server standing in for the gateway (it listens on a loopback port for each forward, as the
 * gateway does), the agent's own tunnel client, and targets on real sockets.
 */
class ForwardedChannelTest {

  /** A forward's target: answers each connection with what it received, as it receives it. */
  final AtomicInteger targetClosed = new AtomicInteger();
  final DisposableServer echo = TcpServer.create().host("127.0.0.1").port(0)
      .doOnConnection(connection -> connection.onDispose(targetClosed::incrementAndGet))
      .handle((in, out) -> out.send(in.receive().retain()))
      .bindNow();
  final ConcurrentLinkedQueue<Integer> listening = new ConcurrentLinkedQueue<>();
  /** Keys the gateway stand-in's session established, the first one and every re-exchange. */
  final AtomicInteger keysEstablished = new AtomicInteger();
  SshServer gateway;
  TunnelClient client;
  Tunnel tunnel;

  @BeforeEach
  void open() throws IOException {
    KeyPair hostKey = SshKeys.forSsh(Ed25519.generate());
    gateway = SshServer.setUpDefaultServer();
    gateway.setHost("127.0.0.1");
    gateway.setPort(0);
    gateway.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
    gateway.setPublickeyAuthenticator((user, key, session) -> true);
    gateway.setForwardingFilter(AcceptAllForwardingFilter.INSTANCE);
    gateway.setForwarderFactory(LoopbackForwarder::new);
    // Keys exchanged again every MiB: data written while a re-exchange runs must neither block an I/O thread nor be lost.
    CoreModuleProperties.REKEY_BYTES_LIMIT.set(gateway, 1024L * 1024);
    gateway.addSessionListener(new SessionListener() {
      @Override
      public void sessionEvent(org.apache.sshd.common.session.Session session, Event event) {
        if (event == Event.KeyEstablished) {
          keysEstablished.incrementAndGet();
        }
      }
    });
    gateway.start();
    client = new TunnelClient(Ed25519.generate(), SshKeys.fingerprint(hostKey.getPublic()), Duration.ofSeconds(5));
    tunnel = client.connect("127.0.0.1", gateway.getPort(), Duration.ofSeconds(10));
  }

  @AfterEach
  void close() throws IOException {
    client.close();
    gateway.stop(true);
    echo.disposeNow();
  }

  @Test
  void megabytesGoBothWaysBeyondTheWindowAndThroughKeyReExchanges() throws Exception {
    int port = forwardTo(echo.port());
    byte[] sent = randomBytes();
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(30_000);
      Thread writer = new Thread(() -> {
        try {
          socket.getOutputStream().write(sent);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      writer.start();
      byte[] received = socket.getInputStream().readNBytes(sent.length);
      writer.join();
      assertThat(sha256(received)).isEqualTo(sha256(sent));
    }
    assertThat(keysEstablished.get()).as("keys established, re-exchanges included").isGreaterThanOrEqualTo(5);
  }

  /** The target answers and closes: its last bytes come out before the end, though the window held them back. */
  @Test
  void aTargetsEndComesAfterItsLastByte() throws Exception {
    byte[] answer = randomBytes();
    DisposableServer answering = TcpServer.create().host("127.0.0.1").port(0)
        .handle((in, out) -> out.sendByteArray(reactor.core.publisher.Mono.just(answer)))
        .bindNow();
    try (Socket socket = new Socket("127.0.0.1", forwardTo(answering.port()))) {
      socket.setSoTimeout(30_000);
      byte[] received = socket.getInputStream().readAllBytes();
      assertThat(received.length).isEqualTo(answer.length);
      assertThat(sha256(received)).isEqualTo(sha256(answer));
    } finally {
      answering.disposeNow();
    }
  }

  /** 12 MiB: several SSH windows (2 MiB each). */
  private static byte[] randomBytes() {
    byte[] bytes = new byte[12 * 1024 * 1024];
    new Random(7).nextBytes(bytes);
    return bytes;
  }

  /**
   * Hundreds of connections closed at once, as a proxy's idle pool times out: MINA's own channel
   * started a thread for each on the tunnel's I/O thread, and every other connection of the tunnel
   * waited behind them. Counted by the JVM's threads started, not by time.
   */
  @Test
  void hundredsOfConnectionsClosedAtOnceStartNoThreadForEach() throws Exception {
    int port = forwardTo(echo.port());
    int connections = 300;
    List<Socket> open = new ArrayList<>();
    try {
      for (int i = 0; i < connections; i++) {
        open.add(echoed(port, 'x'));
      }
      long started = ManagementFactory.getThreadMXBean().getTotalStartedThreadCount();
      for (Socket socket : open) {
        socket.close();
      }
      awaitTargetClosed(connections);

      long threads = ManagementFactory.getThreadMXBean().getTotalStartedThreadCount() - started;
      assertThat(threads).as("threads started while %d connections closed", connections).isLessThan(connections / 10);
      // And the tunnel carries the next connection as before.
      echoed(port, 'y').close();
    } finally {
      for (Socket socket : open) {
        socket.close();
      }
    }
  }

  /** A target that speaks first (a greeting) is heard, connection after connection, and the tunnel stays up. */
  @Test
  void aTargetThatSpeaksFirstIsHeardAndTheTunnelStaysUp() throws Exception {
    DisposableServer greeting = TcpServer.create().host("127.0.0.1").port(0)
        .handle((in, out) -> out.sendString(reactor.core.publisher.Mono.just("220 hello\r\n")).then(in.receive().then()))
        .bindNow();
    try {
      int port = forwardTo(greeting.port());
      for (int i = 0; i < 20; i++) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
          socket.setSoTimeout(10_000);
          assertThat(new String(socket.getInputStream().readNBytes(11), java.nio.charset.StandardCharsets.US_ASCII))
              .isEqualTo("220 hello\r\n");
        }
      }
      assertThat(tunnel.isOpen()).isTrue();
    } finally {
      greeting.disposeNow();
    }
  }

  @Test
  void aTargetThatRefusesClosesTheGatewaysConnectionAndTheTunnelStaysUp() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    int refusing = forwardTo(closedPort);
    try (Socket socket = new Socket("127.0.0.1", refusing)) {
      socket.setSoTimeout(10_000);
      assertThat(readUntilClosed(socket.getInputStream())).as("closed, not left waiting").isEqualTo(-1);
    }
    assertThat(tunnel.isOpen()).isTrue();
    echoed(forwardTo(echo.port()), 'z').close();
  }

  /** Forwards a new service name to {@code target}; the gateway stand-in's loopback port for it. */
  private int forwardTo(int target) throws IOException {
    int before = listening.size();
    tunnel.forward(new ForwardName.PrivateService(dev.veil.model.id.RandomIds.next(), dev.veil.model.id.RandomIds.next()),
        "127.0.0.1", target);
    assertThat(listening).hasSize(before + 1);
    return List.copyOf(listening).get(before);
  }

  /** A connection to {@code port} that has sent {@code b} and read it back (the echo target's), left open. */
  private static Socket echoed(int port, char b) throws IOException {
    Socket socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(10_000);
    socket.getOutputStream().write(b);
    assertThat(socket.getInputStream().read()).isEqualTo(b);
    return socket;
  }

  /** Waits, 30 s at most, until the target has seen {@code count} connections end. */
  private void awaitTargetClosed(int count) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (targetClosed.get() < count && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(targetClosed.get()).as("connections the target saw end").isEqualTo(count);
  }

  /** A byte read, or -1 when the connection ends or is reset; a read that times out fails. */
  private static int readUntilClosed(InputStream in) throws IOException {
    try {
      return in.read();
    } catch (java.net.SocketTimeoutException stillOpen) {
      throw stillOpen;
    } catch (IOException reset) {
      return -1;
    }
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  /** The gateway's way with a forward: whatever its name, a listener on a loopback port of its own choosing. */
  private final class LoopbackForwarder extends DefaultForwarder {

    LoopbackForwarder(ConnectionService service) {
      super(service);
    }

    @Override
    public synchronized SshdSocketAddress localPortForwardingRequested(SshdSocketAddress requested) throws IOException {
      SshdSocketAddress bound = super.localPortForwardingRequested(new SshdSocketAddress("127.0.0.1", 0));
      listening.add(bound.getPort());
      return new SshdSocketAddress(requested.getHostName(), bound.getPort());
    }
  }
}
