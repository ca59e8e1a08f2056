package dev.veil.agent.expose;

import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.NettyInbound;
import reactor.netty.NettyOutbound;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpServer;

/**
 * Publishes one port of a job container: listens on the publish host at a random port and relays
 * each connection, byte for byte, to the container's address on its job network.
 *
 * <p>Why the agent relays rather than the engine publishing the port: a job's network is internal
 * (no route off it), and an internal network gets no port forwarding — Podman's netavark sets up
 * neither its forwarding nor its NAT rules for one, and Docker ignores published ports on one. The
 * host itself still reaches the container through the network's bridge, so the relay can.
 */
final class PortRelay {

  private static final Logger log = LoggerFactory.getLogger(PortRelay.class);
  private static final int CONNECT_TIMEOUT_MILLIS = 5_000;

  private final DisposableServer server;
  private final ChannelGroup connections;

  private PortRelay(DisposableServer server, ChannelGroup connections) {
    this.server = server;
    this.connections = connections;
  }

  /** Listens on {@code bindHost} (a random port) and relays to {@code targetHost:targetPort}. */
  static Mono<PortRelay> open(String bindHost, String targetHost, int targetPort) {
    ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    // Not pooled: a relayed connection's end must close its connection to the container, not park it.
    TcpClient target = TcpClient.newConnection().host(targetHost).port(targetPort)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS);
    return TcpServer.create().host(bindHost).port(0)
        .doOnConnection(connection -> connections.add(connection.channel()))
        .handle((in, out) -> relay(in, out, target))
        .bind()
        .map(server -> new PortRelay(server, connections));
  }

  private static Publisher<Void> relay(NettyInbound in, NettyOutbound out, TcpClient target) {
    return target.connect().flatMap(upstream -> {
      // The client gone: the container's side is closed, which ends the answer below.
      in.withConnection(client -> client.onDispose(upstream));
      Mono<Void> toContainer = upstream.outbound().send(in.receive().retain()).then()
          .onErrorResume(error -> {
            upstream.dispose();
            return Mono.empty();
          });
      Mono<Void> toClient = out.send(upstream.inbound().receive().retain()).then();
      // The relayed connection lasts until the container has said everything (or the client left):
      // the request side finishing first, as it does when the container closes, must not cut the answer.
      return Mono.firstWithSignal(toContainer.then(Mono.never()), toClient).doFinally(signal -> upstream.dispose());
    }).onErrorResume(error -> {
      // The container does not answer (yet, or any more): the client sees its connection closed.
      log.debug("relayed connection ended: {}", error.toString());
      return Mono.empty();
    });
  }

  /** The port it listens on. */
  int port() {
    return server.port();
  }

  /** Stops listening and closes every connection it relays. */
  void close() {
    server.dispose();
    connections.close();
  }
}
