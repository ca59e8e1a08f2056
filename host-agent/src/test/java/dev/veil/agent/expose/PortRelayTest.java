package dev.veil.agent.expose;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The relay between a published port and a container, against plain sockets on loopback. */
class PortRelayTest {

  static final String LOOPBACK = "127.0.0.1";

  /** Answers each connection with "echo:" and what it read up to the first newline, then closes it. */
  static ServerSocket echoServer() throws IOException {
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread thread = new Thread(() -> {
      while (!server.isClosed()) {
        try (Socket client = server.accept()) {
          InputStream in = client.getInputStream();
          StringBuilder line = new StringBuilder();
          for (int b = in.read(); b != -1 && b != '\n'; b = in.read()) {
            line.append((char) b);
          }
          client.getOutputStream().write(("echo:" + line + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException closed) {
          // next
        }
      }
    });
    thread.setDaemon(true);
    thread.start();
    return server;
  }

  static Socket connect(int port) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress(LOOPBACK, port), 2000);
    socket.setSoTimeout(5000);
    return socket;
  }

  @Test
  void bytesGoToTheTargetAndItsAnswerComesBack() throws Exception {
    try (ServerSocket target = echoServer()) {
      PortRelay relay = PortRelay.open(LOOPBACK, LOOPBACK, target.getLocalPort()).block(Duration.ofSeconds(5));
      try {
        // Many times over: the target closing right after its answer races the relay's two directions.
        for (int i = 0; i < 50; i++) {
          try (Socket client = connect(relay.port())) {
            OutputStream out = client.getOutputStream();
            out.write(("hello " + i + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();

            assertThat(new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("echo:hello " + i + "\n");
          }
        }
      } finally {
        relay.close();
      }
    }
  }

  @Test
  void aTargetThatDoesNotAnswerClosesTheClientsConnection() throws Exception {
    int closedPort;
    try (ServerSocket unused = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = unused.getLocalPort();
    }
    PortRelay relay = PortRelay.open(LOOPBACK, LOOPBACK, closedPort).block(Duration.ofSeconds(5));
    try (Socket client = connect(relay.port())) {
      assertThat(client.getInputStream().read()).isEqualTo(-1);
    } finally {
      relay.close();
    }
  }

  @Test
  void aClosedRelayNoLongerListens() throws Exception {
    try (ServerSocket target = echoServer()) {
      PortRelay relay = PortRelay.open(LOOPBACK, LOOPBACK, target.getLocalPort()).block(Duration.ofSeconds(5));
      int port = relay.port();
      relay.close();

      Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> refused(port));
    }
  }

  static boolean refused(int port) {
    try (Socket ignored = connect(port)) {
      return false;
    } catch (IOException refused) {
      return true;
    }
  }
}
