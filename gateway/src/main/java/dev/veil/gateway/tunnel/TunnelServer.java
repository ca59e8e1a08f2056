package dev.veil.gateway.tunnel;

import dev.veil.gateway.config.GatewayProperties;
import dev.veil.model.auth.Ed25519;
import dev.veil.model.auth.KeyFile;
import dev.veil.tunnel.SshKeys;
import dev.veil.tunnel.TunnelCiphers;
import dev.veil.tunnel.TunnelIoSettings;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.forward.AgentForwardingFilter;
import org.apache.sshd.server.forward.ForwardingFilter;
import org.apache.sshd.server.forward.TcpForwardingFilter;
import org.apache.sshd.server.forward.X11ForwardingFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.SmartLifecycle;

/**
 * The SSH server agents dial (Apache MINA SSHD). A node logs in with its Ed25519 node key, as the
 * user named by that key's node ID: the handshake proves the ID. It can do one thing: ask for
 * forwards ({@link NodeForwarder}). No shell, no command, no channel of its own, no
 * {@code direct-tcpip}: a node can never make the gateway open a connection anywhere.
 */
public final class TunnelServer implements SmartLifecycle, HealthIndicator, InfoContributor {

  private static final Logger log = LoggerFactory.getLogger(TunnelServer.class);
  private static final AttributeRepository.AttributeKey<NodeForwarder> FORWARDER = new AttributeRepository.AttributeKey<>();

  private final GatewayProperties.Tunnel settings;
  private final TunnelRegistry registry;
  private final LocalForwards local;
  private final JobHolders jobs;
  private final MeterRegistry meters;
  private final KeyPair hostKey;
  private final String fingerprint;
  private final java.util.Set<Session> tunnels = ConcurrentHashMap.newKeySet();
  private volatile SshServer server;

  public TunnelServer(GatewayProperties.Tunnel settings, TunnelRegistry registry, LocalForwards local, JobHolders jobs,
      MeterRegistry meters) {
    this.settings = settings;
    this.registry = registry;
    this.local = local;
    this.jobs = jobs;
    this.meters = meters;
    try {
      this.hostKey = SshKeys.forSsh(KeyFile.loadOrCreate(settings.hostKeyFile()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load the tunnel host key " + settings.hostKeyFile(), e);
    }
    this.fingerprint = SshKeys.fingerprint(hostKey.getPublic());
    Gauge.builder("veil.gateway.tunnels", tunnels, java.util.Set::size).description("open agent tunnels").register(meters);
    Gauge.builder("veil.gateway.tunnel.forwards", local, LocalForwards::size).description("names routed into tunnels").register(meters);
  }

  @Override
  public void start() {
    SshServer ssh = SshServer.setUpDefaultServer();
    ssh.setHost(settings.bindAddress());
    ssh.setPort(settings.port());
    ssh.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
    ssh.setCipherFactories(TunnelCiphers.preferred());
    ssh.setPasswordAuthenticator(null);
    ssh.setKeyboardInteractiveAuthenticator(null);
    ssh.setGSSAuthenticator(null);
    ssh.setHostBasedAuthenticator(null);
    ssh.setPublickeyAuthenticator((user, key, session) ->
        ("Ed25519".equals(key.getAlgorithm()) || "EdDSA".equals(key.getAlgorithm())) && user.equals(Ed25519.id(key)));
    // No session, shell, exec or direct-tcpip channel: only forwarded connections the gateway opens itself.
    // MINA needs one factory; this one never opens anything.
    ssh.setChannelFactories(List.of(new ChannelFactory() {
      @Override
      public String getName() {
        return "none@veil.dev";
      }

      @Override
      public Channel createChannel(Session session) {
        return null;
      }
    }));
    ssh.setForwardingFilter(ForwardingFilter.asForwardingFilter(
        AgentForwardingFilter.of(false), X11ForwardingFilter.of(false), new OwnLoopbackListenersOnly()));
    ssh.setForwarderFactory(service -> {
      NodeForwarder forwarder = new NodeForwarder(service, registry, local, jobs, settings.maxForwardsPerNode(), meters);
      service.getSession().setAttribute(FORWARDER, forwarder);
      return forwarder;
    });
    ssh.addSessionListener(new SessionListener() {
      @Override
      public void sessionEvent(Session session, Event event) {
        if (event == Event.Authenticated) {
          tunnels.add(session);
        }
      }

      @Override
      public void sessionClosed(Session session) {
        NodeForwarder forwarder = session.getAttribute(FORWARDER);
        tunnels.remove(session);
        if (forwarder != null) {
          forwarder.releaseAll();
        }
      }
    });
    // Small writes go out at once, on the tunnel and on the forwards' loopback sockets: with
    // Nagle's algorithm each request through a tunnel waited for a delayed ACK (~40 ms).
    CoreModuleProperties.TCP_NODELAY.set(ssh, true);
    // Every listener of this server, the forwards' loopback ones too: a burst of new pool connections
    // to one forward beyond Java's backlog of 50 lost SYNs, each a second's wait (docs/benchmarks.md).
    CoreModuleProperties.SOCKET_BACKLOG.set(ssh, settings.acceptBacklog());
    CoreModuleProperties.IDLE_TIMEOUT.set(ssh, settings.idleTimeout());
    CoreModuleProperties.AUTH_TIMEOUT.set(ssh, Duration.ofSeconds(10));
    CoreModuleProperties.MAX_CONCURRENT_SESSIONS.set(ssh, settings.maxTunnelsPerNode());
    TunnelIoSettings.hold(ssh);
    try {
      ssh.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen for tunnels on " + settings.bindAddress() + ":" + settings.port(), e);
    }
    server = ssh;
    log.info("tunnels: listening on {}:{}, host key {}", settings.bindAddress(), ssh.getPort(), fingerprint);
  }

  @Override
  public void stop() {
    SshServer current = server;
    server = null;
    if (current != null) {
      try {
        current.stop(true);
      } catch (IOException e) {
        log.warn("tunnel server did not stop cleanly ({})", e.getClass().getSimpleName());
      }
    }
  }

  @Override
  public boolean isRunning() {
    return server != null;
  }

  /** The port agents dial (the one bound when configured as 0). */
  public int port() {
    SshServer current = server;
    return current == null ? settings.port() : current.getPort();
  }

  /** OpenSSH's fingerprint of the host key, which agents pin. */
  public String fingerprint() {
    return fingerprint;
  }

  @Override
  public Health health() {
    SshServer current = server;
    return current != null && current.isOpen() ? Health.up().withDetail("tunnels", tunnels.size()).build()
        : Health.down().withDetail("reason", "not listening for agent tunnels").build();
  }

  @Override
  public void contribute(Info.Builder builder) {
    builder.withDetail("tunnel", Map.of("port", port(), "hostKeyFingerprint", fingerprint));
  }

  /**
   * The gateway listens only where {@link NodeForwarder} asks: a port of its choosing on its own
   * loopback. Anything else a client might name, and every direct connection, is refused.
   */
  private static final class OwnLoopbackListenersOnly implements TcpForwardingFilter {
    @Override
    public boolean canListen(SshdSocketAddress address, Session session) {
      return LocalForwards.HOST.equals(address.getHostName()) && address.getPort() == 0;
    }

    @Override
    public boolean canConnect(Type type, SshdSocketAddress address, Session session) {
      return false;
    }
  }
}
