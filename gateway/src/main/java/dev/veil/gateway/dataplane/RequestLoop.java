package dev.veil.gateway.dataplane;

import io.netty.channel.EventLoop;
import reactor.netty.Connection;
import reactor.netty.http.server.HttpServerRequest;

/** The event loop that reads a request's connection, and runs the handler it is given to. */
final class RequestLoop {

  private RequestLoop() {}

  static EventLoop of(HttpServerRequest request) {
    // Reactor Netty's server request is its connection's operations, itself a Connection: no allocation.
    if (request instanceof Connection connection) {
      return connection.channel().eventLoop();
    }
    EventLoop[] loop = new EventLoop[1];
    request.withConnection(connection -> loop[0] = connection.channel().eventLoop());
    return loop[0];
  }
}
