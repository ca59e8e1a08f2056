package dev.veil.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Unix socket in front of the container engine's, for the suite's agent only: while open it
 * passes every connection through byte for byte; {@link #cut()} makes the engine vanish for the
 * agent (the socket file gone, every open connection — its event stream too — closed) while the
 * engine itself, shared with everything else on the machine, runs on; {@link #restore()} brings it back.
 */
final class EngineRelay implements AutoCloseable {

  private final Path path;
  private final Path engine;
  private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
  private volatile ServerSocketChannel server;

  /** A relay at a fresh short path (Unix socket paths are limited to about 100 bytes) to the engine socket {@code engine}. */
  EngineRelay(Path engine) throws IOException {
    this.engine = engine;
    this.path = Files.createTempDirectory(Path.of("/tmp"), "veil-relay-").resolve("engine.sock");
    restore();
  }

  /** The engine's socket as the environment names it: {@code DOCKER_HOST=unix:///...}. */
  static Path engineSocket() {
    String host = System.getenv("DOCKER_HOST");
    if (host == null || !host.startsWith("unix://")) {
      throw new IllegalStateException("DOCKER_HOST names no Unix socket (" + host + "); run eval \"$(./veil engine)\"");
    }
    return Path.of(host.substring("unix://".length()));
  }

  /** What the agent is told: {@code unix://<this relay>}. */
  String dockerHost() {
    return "unix://" + path;
  }

  /** The engine goes away: nothing listens at the path, and every connection through it is closed. */
  synchronized void cut() throws IOException {
    ServerSocketChannel listening = server;
    server = null;
    if (listening != null) {
      listening.close();
    }
    Files.deleteIfExists(path);
    for (SocketChannel channel : open) {
      closeQuietly(channel);
    }
    open.clear();
  }

  /** The engine is back at the same path. */
  synchronized void restore() throws IOException {
    if (server != null) {
      return;
    }
    Files.deleteIfExists(path);
    ServerSocketChannel listening = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    listening.bind(UnixDomainSocketAddress.of(path));
    server = listening;
    Thread acceptor = new Thread(() -> accept(listening), "engine-relay-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  private void accept(ServerSocketChannel listening) {
    while (listening.isOpen()) {
      try {
        SocketChannel client = listening.accept();
        SocketChannel upstream = SocketChannel.open(UnixDomainSocketAddress.of(engine));
        open.add(client);
        open.add(upstream);
        pump(client, upstream);
        pump(upstream, client);
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void pump(SocketChannel from, SocketChannel to) {
    Thread thread = new Thread(() -> {
      ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
      try {
        while (from.read(buffer) >= 0) {
          buffer.flip();
          while (buffer.hasRemaining()) {
            to.write(buffer);
          }
          buffer.clear();
        }
      } catch (IOException closed) {
        // one side went away, or the relay was cut
      } finally {
        closeQuietly(from);
        closeQuietly(to);
        open.remove(from);
        open.remove(to);
      }
    }, "engine-relay-pump");
    thread.setDaemon(true);
    thread.start();
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    try {
      cut();
      Files.deleteIfExists(path.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
