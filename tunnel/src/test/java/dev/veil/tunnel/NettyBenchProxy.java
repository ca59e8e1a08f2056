package dev.veil.tunnel;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpServerCodec;
import java.util.List;

/**
 * A yardstick for {@code scripts/bench-gateway.sh}, not a test and not Veil's proxy: the least an
 * HTTP/1.1 reverse proxy written on Netty alone costs, without Reactor (no operators, no
 * per-request {@code ChannelOperations}, no auto-read switched off and on for each request). Each
 * client connection gets its own upstream connection on the same event loop; requests and
 * responses pass as Netty's codecs decode them, less the hop-by-hop headers, each read asked for
 * once the last write has gone (so memory stays bounded). No routing, no pool, no timeouts.
 * Set against {@link BenchProxy} (the same on Reactor Netty, on the same transport: io_uring where
 * the kernel allows it, else epoll) and nginx, it tells what a data plane on Netty's own handlers
 * could gain before one is built.
 *
 * <pre>java -cp ... dev.veil.tunnel.NettyBenchProxy LISTEN_PORT TARGET_PORT</pre>
 */
public final class NettyBenchProxy {

  private static final List<CharSequence> HOP_BY_HOP = List.of(HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE,
      HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.TE,
      HttpHeaderNames.TRAILER, HttpHeaderNames.UPGRADE);

  private NettyBenchProxy() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length != 2) {
      System.err.println("usage: NettyBenchProxy LISTEN_PORT TARGET_PORT");
      System.exit(2);
    }
    int target = Integer.parseInt(args[1]);
    // As Reactor Netty picks: io_uring where the kernel allows it, else epoll, else NIO.
    String transport;
    IoHandlerFactory io;
    Class<? extends ServerChannel> serverChannel;
    Class<? extends SocketChannel> clientChannel;
    if (IoUring.isAvailable()) {
      transport = "io_uring";
      io = IoUringIoHandler.newFactory();
      serverChannel = IoUringServerSocketChannel.class;
      clientChannel = IoUringSocketChannel.class;
    } else if (Epoll.isAvailable()) {
      transport = "epoll";
      io = EpollIoHandler.newFactory();
      serverChannel = EpollServerSocketChannel.class;
      clientChannel = EpollSocketChannel.class;
    } else {
      transport = "nio";
      io = NioIoHandler.newFactory();
      serverChannel = NioServerSocketChannel.class;
      clientChannel = NioSocketChannel.class;
    }
    // As many loops as Reactor Netty's default (BenchProxy's): the number of cores, at least 4.
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(Math.max(Runtime.getRuntime().availableProcessors(), 4), io);
    Channel server = new ServerBootstrap().group(group).channel(serverChannel)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .childOption(ChannelOption.AUTO_READ, false)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel client) {
            client.pipeline().addLast(new HttpServerCodec(), new Front(target, clientChannel));
          }
        })
        .bind("127.0.0.1", Integer.parseInt(args[0])).sync().channel();
    System.out.println("listening " + ((java.net.InetSocketAddress) server.localAddress()).getPort() + " (" + transport + ")");
    System.out.flush();
    server.closeFuture().sync();
  }

  /** The client's side: opens its upstream connection, then passes each request on. */
  private static final class Front extends ChannelInboundHandlerAdapter {
    private final int target;
    private final Class<? extends SocketChannel> channelClass;
    private Channel upstream;

    Front(int target, Class<? extends SocketChannel> channelClass) {
      this.target = target;
      this.channelClass = channelClass;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      Channel client = ctx.channel();
      upstream = new Bootstrap().group(client.eventLoop()).channel(channelClass)
          .option(ChannelOption.AUTO_READ, false)
          .option(ChannelOption.TCP_NODELAY, true)
          .handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              ch.pipeline().addLast(new HttpClientCodec(), new Pass(client));
            }
          })
          .connect("127.0.0.1", target)
          .addListener((ChannelFutureListener) connected -> {
            if (connected.isSuccess()) {
              client.read();
              connected.channel().read();
            } else {
              client.close();
            }
          })
          .channel();
      client.pipeline().addLast(new Pass(upstream));
    }
  }

  /**
   * One direction: what is read here is written to {@code to}, flushed when a read ends; the next
   * read is asked for only while {@code to} takes more, and again when it drains.
   */
  private static final class Pass extends ChannelInboundHandlerAdapter {
    private final Channel to;

    Pass(Channel to) {
      this.to = to;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpMessage message) {
        HOP_BY_HOP.forEach(message.headers()::remove);
      }
      to.write(msg, to.voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      to.flush();
      if (to.isWritable()) {
        ctx.read();
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      // This channel drained: the other side, which writes here, may read again.
      if (ctx.channel().isWritable()) {
        to.read();
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      // Open, not only active: an upstream still connecting is closed too.
      if (to.isOpen()) {
        to.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
