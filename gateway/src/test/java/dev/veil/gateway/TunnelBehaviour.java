package dev.veil.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.gateway.registry.RegistryCache;
import dev.veil.gateway.registry.RegistryTarget;
import dev.veil.gateway.tunnel.HeldForwards;
import dev.veil.gateway.tunnel.LocalForwards;
import dev.veil.gateway.tunnel.ReplicaIdentity;
import dev.veil.gateway.tunnel.TunnelRegistry;
import dev.veil.gateway.tunnel.TunnelServer;
import dev.veil.model.auth.Ed25519;
import dev.veil.model.id.ExposeIds;
import dev.veil.model.id.RandomIds;
import dev.veil.model.result.DeliveryReceipt;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.ServiceProcess;
import dev.veil.tunnel.ForwardName;
import dev.veil.tunnel.SshKeys;
import dev.veil.tunnel.TunnelClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * What a node can and cannot make the gateway do through its tunnel, with the gateway's default
 * settings: real SSH on a real port, the agent's own tunnel client, a real Redis registry — one
 * server ({@link TunnelIT}) or a three-primary cluster ({@link TunnelOnClusterIT}), the same tests.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "management.server.port=0", "veil.gateway.tunnel.port=0"})
@Import(ConnectHook.class)
abstract class TunnelBehaviour {

  static final String DOMAIN = "node.localhost";

  /** How a gateway or session-service process started by a test finds the same Redis, as environment variables. */
  abstract Map<String, String> redisEnvironment();

  /** The same, as a command-line argument for a gateway started in this JVM. */
  abstract String redisArgument();

  /** {@code settings} and {@link #redisEnvironment()}, for a process a test starts. */
  Map<String, String> withRedis(Map<String, String> settings) {
    Map<String, String> all = new java.util.HashMap<>(settings);
    all.putAll(redisEnvironment());
    return all;
  }

  /** A service on loopback that answers {@code answer} to every request and counts them in {@code hits}. */
  static reactor.netty.DisposableServer answering(String answer, java.util.concurrent.atomic.AtomicInteger hits) {
    return reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0)
        .handle((request, response) -> {
          hits.incrementAndGet();
          return response.sendString(reactor.core.publisher.Mono.just(answer));
        })
        .bindNow();
  }

  static Upstreams upstreams;
  static Path hostKey;

  @LocalServerPort
  int port;

  @Autowired
  TunnelServer tunnels;

  @Autowired
  ReactiveStringRedisTemplate registry;

  @Autowired
  ReplicaIdentity replica;

  @Autowired
  RegistryCache registryCache;

  @Autowired
  LocalForwards localForwards;

  @Autowired
  TunnelRegistry tunnelRegistry;

  @Autowired
  MeterRegistry meters;

  GatewayClient gateway;
  TestNodes nodes;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry properties) throws IOException {
    upstreams = new Upstreams();
    hostKey = upstreams.standIn(properties);
  }

  @AfterAll
  static void close() throws IOException {
    upstreams.close();
  }

  @BeforeEach
  void open() {
    gateway = new GatewayClient(port);
    nodes = new TestNodes(tunnels.port(), tunnels.fingerprint(), upstreams.runningJobs);
  }

  @AfterEach
  void closeNodes() throws Exception {
    nodes.close();
  }

  @Test
  void aNodeIsReachedOnlyAtItsAgentsApiPathsNeverItsActuator() {
    TestNodes.TestNode node = nodes.connect(upstreams.agent.port());

    assertThat(gateway.get(node.id + "." + DOMAIN, "/node/info").body()).startsWith("agent GET /node/info");
    assertThat(gateway.get(node.id + "." + DOMAIN, "/job-result/x").body()).startsWith("agent GET /job-result/x");
    // AES-GCM, which the JDK runs on the CPU's AES instructions, not MINA's plain-Java ChaCha20.
    assertThat(node.tunnel.cipher()).isEqualTo("aes128-gcm@openssh.com");
    for (String path : new String[] {"/actuator/prometheus", "/actuator/health", "/", "/job-resultx", "/node/../actuator/health"}) {
      GatewayClient.Reply reply = gateway.get(node.id + "." + DOMAIN, path);
      assertThat(reply.status()).as(path).isEqualTo(404);
      assertThat(reply.body()).as(path).doesNotStartWith("agent");
    }
  }

  @Test
  void theTunnelPortAndEveryForwardsListenerHoldABurstOfConnectionsNotJavasFifty() throws Exception {
    TestNodes.TestNode node = nodes.connect(upstreams.agent.port());
    int forward = localForwards.forward(RegistryTarget.Kind.NODE, node.id).orElseThrow().port();
    // The kernel caps a listen backlog at net.core.somaxconn (read by line: Files.readString
    // trusts a size procfs does not report, and returns part of the value).
    int expected = Math.min(1024, Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/core/somaxconn")).get(0).trim()));
    assertThat(expected).as("somaxconn leaves room to tell 1024 from Java's 50").isGreaterThan(50);
    assertThat(listenBacklog(forward)).isEqualTo(expected);
    assertThat(listenBacklog(tunnels.port())).isEqualTo(expected);
  }

  /** A listening socket's backlog, as ss (iproute2; ./veil test installs it) reads it from the kernel: its Send-Q. */
  private static int listenBacklog(int port) throws IOException, InterruptedException {
    Process ss = new ProcessBuilder("ss", "-Hltn", "sport = :" + port).redirectErrorStream(true).start();
    String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(ss.waitFor()).as("ss: %s", out).isZero();
    String[] columns = out.split("\\s+");
    assertThat(columns).as("one listener on port %d: %s", port, out).hasSizeGreaterThanOrEqualTo(4).contains("LISTEN");
    return Integer.parseInt(columns[2]);
  }

  @Test
  void aRogueKeyCannotMakeTheGatewayListenOrConnectAnywhere() throws Exception {
    int secret = upstreams.secret.port();
    KeyPair rogue = Ed25519.generate();
    try (SshClient client = SshClient.setUpDefaultClient()) {
      client.setServerKeyVerifier((session, address, key) -> SshKeys.hasFingerprint(key, tunnels.fingerprint()));
      client.start();
      try (ClientSession session = client.connect(Ed25519.id(rogue.getPublic()), "127.0.0.1", tunnels.port())
          .verify(Duration.ofSeconds(10)).getSession()) {
        session.addPublicKeyIdentity(SshKeys.forSsh(rogue));
        session.auth().verify(Duration.ofSeconds(10));
        SshdSocketAddress local = new SshdSocketAddress("127.0.0.1", upstreams.agent.port());
        // Every way to name an address or a port for the gateway to listen on is refused.
        for (SshdSocketAddress named : new SshdSocketAddress[] {
            new SshdSocketAddress("127.0.0.1", 0), new SshdSocketAddress("0.0.0.0", 0), new SshdSocketAddress("localhost", 0),
            new SshdSocketAddress("", 0), new SshdSocketAddress("127.0.0.1", secret), new SshdSocketAddress("169.254.169.254", 80),
            new SshdSocketAddress("node", 8089), new SshdSocketAddress("node/../127.0.0.1", 0),
            new SshdSocketAddress("public/" + RandomIds.next() + "/0/80", 0)}) {
          assertThatThrownBy(() -> session.startRemotePortForwarding(named, local)).as(named.toString()).isInstanceOf(IOException.class);
        }
        // Nor can it make the gateway connect anywhere (direct-tcpip): the channel is refused, nothing is reached.
        SshdSocketAddress bound = session.startLocalPortForwarding(new SshdSocketAddress("127.0.0.1", 0),
            new SshdSocketAddress("127.0.0.1", secret));
        try (Socket socket = new Socket("127.0.0.1", bound.getPort())) {
          socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
          socket.setSoTimeout(3000);
          InputStream in = socket.getInputStream();
          assertThat(readQuietly(in)).isEqualTo(-1);
        }
      }
    }
    String rogueId = Ed25519.id(rogue.getPublic());
    for (String path : new String[] {"/node/info", "/actuator/health", "/"}) {
      assertThat(gateway.get(rogueId + "." + DOMAIN, path).status()).as(path).isEqualTo(404);
    }
    assertThat(upstreams.secretHits.get()).isZero();
  }

  private static int readQuietly(InputStream in) {
    try {
      return in.read();
    } catch (IOException closedOrTimedOut) {
      return -1;
    }
  }

  @Test
  void aNodeCannotForwardUnderAnotherNodesOrJobsNames() throws Exception {
    TestNodes.TestNode a = nodes.connect(upstreams.agent.port());
    TestNodes.TestNode b = nodes.connect(upstreams.service.port());
    String jobOfB = b.runJob();
    String privateOfB = b.exposePrivate(upstreams.service.port());

    // B's public service ID, from B's job: refused to A, granted to B.
    ForwardName publicOfB = new ForwardName.PublicService(jobOfB, 0, 80);
    assertThatThrownBy(() -> a.tunnel.forward(publicOfB, "127.0.0.1", upstreams.secret.port())).isInstanceOf(IOException.class);
    b.tunnel.forward(publicOfB, "127.0.0.1", upstreams.service.port());
    assertThat(gateway.get(ExposeIds.publicId(0, 80, jobOfB) + "." + DOMAIN, "/").body()).isEqualTo("hello from the service");
    // B's private ID, in use: refused to A, even for a job A runs.
    assertThatThrownBy(() -> a.exposePrivate(privateOfB, upstreams.secret.port())).isInstanceOf(java.io.UncheckedIOException.class);
    // A service named after a node: refused.
    assertThatThrownBy(() -> a.exposePrivate(b.id, upstreams.secret.port())).isInstanceOf(java.io.UncheckedIOException.class);
    // Logging in as B with A's key: refused by the handshake.
    try (SshClient client = SshClient.setUpDefaultClient()) {
      client.setServerKeyVerifier((session, address, key) -> true);
      client.start();
      try (ClientSession session = client.connect(b.id, "127.0.0.1", tunnels.port()).verify(Duration.ofSeconds(10)).getSession()) {
        session.addPublicKeyIdentity(SshKeys.forSsh(a.key));
        assertThatThrownBy(() -> session.auth().verify(Duration.ofSeconds(10))).isInstanceOf(IOException.class);
      }
    }
    assertThat(gateway.get(privateOfB + "." + DOMAIN, "/").body()).isEqualTo("hello from the service");
    assertThat(gateway.get(b.id + "." + DOMAIN, "/node/info").status()).isEqualTo(404); // B's API delivers to the service stand-in, no such path
    assertThat(upstreams.secretHits.get()).isZero();
  }

  @Test
  void anAgentRefusesAGatewayWhoseHostKeyIsNotThePinnedOne() throws Exception {
    String other = SshKeys.fingerprint(SshKeys.forSsh(Ed25519.generate()).getPublic());
    try (TunnelClient client = new TunnelClient(Ed25519.generate(), other, Duration.ofSeconds(5))) {
      assertThatThrownBy(() -> client.connect("127.0.0.1", tunnels.port(), Duration.ofSeconds(10))).isInstanceOf(IOException.class);
    }
    assertThatThrownBy(() -> new TunnelClient(Ed25519.generate(), "", Duration.ofSeconds(5)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aDisconnectedNodeIsOfflineAndItsServiceGoneWithinASecondAndBackWhenItReconnects() {
    KeyPair key = Ed25519.generate();
    TestNodes.TestNode node = nodes.connect(key, upstreams.agent.port());
    String serviceId = node.exposePrivate(upstreams.service.port());
    assertThat(gateway.get(node.id + "." + DOMAIN, "/node/info").status()).isEqualTo(200);
    assertThat(gateway.get(serviceId + "." + DOMAIN, "/").status()).isEqualTo(200);

    node.tunnel.close();

    // The node is known: 503 node-offline, to ask again; its private service is simply gone (404), never confirmed.
    Awaitility.await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20)).until(() ->
        gateway.get(node.id + "." + DOMAIN, "/node/info").status() == 503 && gateway.get(serviceId + "." + DOMAIN, "/").status() == 404);
    GatewayClient.Reply offline = gateway.get(node.id + "." + DOMAIN, "/node/info");
    assertThat(offline.header("Content-Type")).isEqualTo("application/problem+json");
    assertThat(offline.header("Retry-After")).isEqualTo("5");
    assertThat(offline.body()).contains("node-offline");
    // A node never seen is not one: 404, like any unknown name.
    assertThat(gateway.get(Ed25519.id(Ed25519.generate().getPublic()) + "." + DOMAIN, "/node/info").status()).isEqualTo(404);

    TestNodes.TestNode again = nodes.connect(key, upstreams.agent.port());
    again.exposePrivate(serviceId, upstreams.service.port());
    assertThat(gateway.get(node.id + "." + DOMAIN, "/node/info").body()).startsWith("agent GET /node/info");
    assertThat(gateway.get(serviceId + "." + DOMAIN, "/").body()).isEqualTo("hello from the service");
  }

  /**
   * A name asked for before it is forwarded here is cached as "not found"; once this replica holds
   * its forward, it routes at once — not only after the announcement, which drops that entry, has
   * made its way back (late on a cluster's pub/sub, seen in CI: a re-exposed service answered 404).
   * The forward here is held without announcing it, so the cached entry stays.
   */
  @Test
  void aNameForwardedHereRoutesAtOnceThoughAnEarlierNotFoundIsStillCached() throws Exception {
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> "UP".equals(registryCache.health().getStatus().getCode()));
    String serviceId = ExposeIds.privateId();
    String nodeId = Ed25519.id(Ed25519.generate().getPublic());
    assertThat(gateway.get(serviceId + "." + DOMAIN, "/").status()).isEqualTo(404);
    assertThat(gateway.get(nodeId + "." + DOMAIN, "/node/info").status()).isEqualTo(404);

    try (AutoCloseable service = HeldForwards.hold(localForwards, RegistryTarget.Kind.SERVICE, serviceId, upstreams.service.port());
         AutoCloseable node = HeldForwards.hold(localForwards, RegistryTarget.Kind.NODE, nodeId, upstreams.agent.port())) {
      assertThat(gateway.get(serviceId + "." + DOMAIN, "/").body()).isEqualTo("hello from the service");
      assertThat(gateway.get(nodeId + "." + DOMAIN, "/node/info").body()).startsWith("agent GET /node/info");
    }
  }

  /**
   * A node that withdraws a forward may keep the connections already carried into its tunnel open:
   * MINA closes a forward's listener, not the connections it accepted. Its loopback port is then
   * free for the kernel to give the next forward, another node's. Connections the gateway kept
   * alive to it must not carry that node's requests into the tunnel of the one that left, on the
   * direct path or through the routes (a session in the query sends a request there). The port's
   * next holder is bound here by hand, as the kernel may bind it for a forward.
   */
  @Test
  void aWithdrawnForwardsKeptAliveConnectionsNeverCarryThePortsNextHoldersRequests() throws Exception {
    java.util.concurrent.atomic.AtomicInteger leaverHits = new java.util.concurrent.atomic.AtomicInteger();
    reactor.netty.DisposableServer leaverService = answering("from the node that left", leaverHits);
    // One connection to the gateway: every request is read on one event loop, whose pool the direct path uses.
    reactor.netty.resources.ConnectionProvider oneConnection = reactor.netty.resources.ConnectionProvider.create("one", 1);
    reactor.netty.DisposableServer nextHolder = null;
    try {
      GatewayClient client = new GatewayClient(port, reactor.netty.http.client.HttpClient.create(oneConnection));
      TestNodes.TestNode leaver = nodes.connect(upstreams.agent.port());
      String left = leaver.exposePrivate(leaverService.port());
      int forwardPort = localForwards.port(RegistryTarget.Kind.SERVICE, left).orElseThrow();
      assertThat(client.get(left + "." + DOMAIN, "/").body()).isEqualTo("from the node that left");
      assertThat(client.get(left + "." + DOMAIN, "/?veil-session=x").body()).as("through the routes").isEqualTo("from the node that left");
      assertThat(leaverHits.get()).isEqualTo(2);

      leaver.withdraw(left);
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> localForwards.port(RegistryTarget.Kind.SERVICE, left).isEmpty());
      // The listener is unbound just after the forward leaves the table; then the port may be bound again (SO_REUSEADDR, as MINA binds).
      nextHolder = Awaitility.await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() ->
          reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(forwardPort)
              .handle((request, response) -> response.sendString(reactor.core.publisher.Mono.just("from the port's next holder")))
              .bindNow(), java.util.Objects::nonNull);
      String next = RandomIds.next();
      try (AutoCloseable held = HeldForwards.hold(localForwards, RegistryTarget.Kind.SERVICE, next, forwardPort)) {
        assertThat(client.get(next + "." + DOMAIN, "/").body()).isEqualTo("from the port's next holder");
        assertThat(client.get(next + "." + DOMAIN, "/?veil-session=x").body()).as("through the routes")
            .isEqualTo("from the port's next holder");
      }
      assertThat(leaverHits.get()).isEqualTo(2);
    } finally {
      if (nextHolder != null) {
        nextHolder.disposeNow();
      }
      oneConnection.disposeLater().block(Duration.ofSeconds(5));
      leaverService.disposeNow();
    }
  }

  /**
   * A name the registry says this replica holds while a tunnel here is still claiming it (announced,
   * not routed yet: a name is routed only once its claim is the tunnel's): 503 with Retry-After, to
   * ask again — through the routes (the direct path passes such a name on to them), and for a request
   * another replica passed on — not a
   * 404 telling the visitor it does not exist. A registry entry for this replica that no claim here
   * explains (a claim that timed out here but ran in Redis) is not a 503 for ever: 404.
   */
  @Test
  void aNameBeingClaimedHereIsToBeAskedForAgainNotNotFound() throws Exception {
    TestNodes.TestNode node = nodes.connect(upstreams.agent.port());
    String id = RandomIds.next();
    try (AutoCloseable claimed = HeldForwards.claimedNotRouted(tunnelRegistry, id, node.id, node.runJob())) {
      try (AutoCloseable claiming = HeldForwards.claiming(localForwards, RegistryTarget.Kind.SERVICE, id)) {
        for (String query : new String[] {"", "", "?veil-session=x"}) {
          GatewayClient.Reply reply = gateway.get(id + "." + DOMAIN, "/" + query);
          assertThat(reply.status()).as("path " + query).isEqualTo(503);
          assertThat(reply.header("Retry-After")).as("path " + query).isEqualTo("1");
          assertThat(reply.body()).as("path " + query).contains("changing hands");
        }
        GatewayClient.Reply passedOn = gateway.exchange(io.netty.handler.codec.http.HttpMethod.GET, id + "." + DOMAIN, "/",
            headers -> headers.set(ReplicaIdentity.RELAY_HEADER, HeldForwards.relayToken(replica)), null);
        assertThat(passedOn.status()).as("passed on by another replica").isEqualTo(503);
        assertThat(passedOn.body()).as("passed on by another replica").contains("changing hands");
      }
      assertThat(gateway.get(id + "." + DOMAIN, "/").status()).isEqualTo(404);
    }
  }

  /**
   * A node that opens a new tunnel here before its old one has gone (a reconnect the gateway has not
   * noticed yet) keeps its name in the registry when the old tunnel lets it go: the old forward's
   * release drops only its own claim, and the new tunnel's holds the name now. (Released, it would
   * be "not found" for every replica but this one.)
   */
  @Test
  void aNodesOldTunnelLettingGoAfterItsNewOneOpenedHereLeavesTheNameToTheNewOne() throws Exception {
    KeyPair key = Ed25519.generate();
    TestNodes.TestNode old = nodes.connect(key, upstreams.agent.port());
    nodes.connect(key, upstreams.agent.port());

    old.tunnel.cancel(ForwardName.NODE);
    // The cancel wants no answer; a session's global requests are handled in order, so once this
    // forward is answered the gateway has let the old tunnel's node forward go.
    old.exposePrivate(upstreams.service.port());

    assertThat(registry.<String, String>opsForHash().get("veil:{tunnel}:node:" + old.id, "replica")
        .block(Duration.ofSeconds(5))).isEqualTo(replica.id());
    assertThat(gateway.get(old.id + "." + DOMAIN, "/node/info").body()).startsWith("agent GET /node/info");
  }

  /**
   * A forward's release drops only its own claim of the name, whatever order it and a later claim
   * reach Redis in: a node's old tunnel whose release arrives after its new tunnel's claim (a claim
   * that began after the old one let go here) leaves the name, and its place among what this replica
   * holds, to the new one; the new one's release then drops both.
   */
  @Test
  void aReleaseReachingRedisAfterALaterClaimOfTheSameNameLeavesThatClaim() {
    String nodeId = RandomIds.next();
    String key = TunnelRegistry.NODE + nodeId;
    String held = TunnelRegistry.HELD + replica.id();
    HeldForwards.NodeClaim old = HeldForwards.claimNode(tunnelRegistry, nodeId);
    HeldForwards.NodeClaim current = HeldForwards.claimNode(tunnelRegistry, nodeId);

    assertThat(old.release()).isFalse();
    assertThat(registry.<String, String>opsForHash().get(key, "replica").block(Duration.ofSeconds(5))).isEqualTo(replica.id());
    assertThat(registry.opsForSet().isMember(held, "node:" + nodeId).block(Duration.ofSeconds(5))).isTrue();

    assertThat(current.release()).isTrue();
    assertThat(registry.hasKey(key).block(Duration.ofSeconds(5))).isFalse();
    assertThat(registry.opsForSet().isMember(held, "node:" + nodeId).block(Duration.ofSeconds(5))).isFalse();
  }

  /**
   * A request routed to a forward that closes before the request is sent is not sent there, on the
   * direct path and on the routes ({@code ForwardGuard}): the forward is made to close at the moment
   * the gateway's client has connected to its port, before the request is written, the order the race
   * between routing and connecting gives (the port's next holder would get the request; here the
   * listener is still there, and must get nothing).
   */
  @Test
  void aRequestWhoseForwardClosesAsItsConnectionOpensIsNotSentThere() throws Exception {
    java.util.concurrent.atomic.AtomicInteger hits = new java.util.concurrent.atomic.AtomicInteger();
    reactor.netty.DisposableServer listener = answering("from the forward", hits);
    try {
      for (String query : new String[] {"", "?veil-session=x"}) {
        String name = RandomIds.next();
        AutoCloseable held = HeldForwards.hold(localForwards, RegistryTarget.Kind.SERVICE, name, listener.port());
        ConnectHook.onConnect(listener.port(), () -> {
          try {
            held.close();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        GatewayClient.Reply reply = gateway.get(name + "." + DOMAIN, "/" + query);
        assertThat(reply.status()).as("path " + query).isEqualTo(503);
        assertThat(reply.body()).as("path " + query).contains("upstream-unavailable");
        assertThat(hits).as("path " + query).hasValue(0);
      }
      String name = RandomIds.next();
      try (AutoCloseable held = HeldForwards.hold(localForwards, RegistryTarget.Kind.SERVICE, name, listener.port())) {
        assertThat(gateway.get(name + "." + DOMAIN, "/").body()).isEqualTo("from the forward");
        assertThat(gateway.get(name + "." + DOMAIN, "/?veil-session=x").body()).isEqualTo("from the forward");
      }
      assertThat(hits).hasValue(2);
    } finally {
      ConnectHook.clear(listener.port());
      listener.disposeNow();
    }
  }

  /**
   * A private result's receipt is checked as every request to a forward is ({@code ForwardGuard}):
   * the node's forward is made to close at the moment the receipts' client has connected to its port;
   * the receipt is refused there (and retried), never sent, and is sent once the name is routed again.
   */
  @Test
  void aReceiptWhoseNodesForwardClosesAsItsConnectionOpensIsNotSentThere() throws Exception {
    String nodeId = RandomIds.next();
    java.util.concurrent.atomic.AtomicInteger receipts = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicReference<AutoCloseable> route = new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicInteger port = new java.util.concurrent.atomic.AtomicInteger();
    double retried = receiptsRetried();
    reactor.netty.DisposableServer node = reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0)
        .route(routes -> routes
            .get("/job-result/{jobId}", (request, response) -> {
              // The result's request has connected: the next connection to this port is the receipt's.
              AutoCloseable routed = route.get();
              ConnectHook.onConnect(port.get(), () -> {
                try {
                  routed.close();
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
                closed.countDown();
              });
              return response.header(DeliveryReceipt.TOKEN_HEADER, "token").sendString(reactor.core.publisher.Mono.just("the result"));
            })
            .post("/job-result/{jobId}/receipt", (request, response) -> {
              receipts.incrementAndGet();
              return response.send();
            }))
        .bindNow();
    port.set(node.port());
    try {
      route.set(HeldForwards.hold(localForwards, RegistryTarget.Kind.NODE, nodeId, node.port()));
      assertThat(gateway.get(nodeId + "." + DOMAIN, "/job-result/j").body()).isEqualTo("the result");
      assertThat(closed.await(10, java.util.concurrent.TimeUnit.SECONDS)).as("the receipt's connection opened").isTrue();
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> receiptsRetried() > retried);
      assertThat(receipts).as("sent while the node's name was no longer routed there").hasValue(0);

      route.set(HeldForwards.hold(localForwards, RegistryTarget.Kind.NODE, nodeId, node.port()));
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> receipts.get() > 0);
      assertThat(receipts).hasValue(1);
    } finally {
      ConnectHook.clear(node.port());
      route.get().close();
      node.disposeNow();
    }
  }

  private double receiptsRetried() {
    io.micrometer.core.instrument.Counter counter = meters.find("veil.gateway.result.receipts").tag("outcome", "retried").counter();
    return counter == null ? 0 : counter.count();
  }

  /**
   * 300 MiB each way and a WebSocket through a gateway process with a 256 MiB heap: a body held
   * whole anywhere in the gateway would not fit.
   */
  @Test
  void hundredsOfMegabytesStreamBothWaysThroughTheTunnelWithLessHeapThanTheBody() throws Exception {
    Path key = Files.createTempDirectory("veil-gateway-").resolve("host.key");
    String fingerprint = SshKeys.fingerprint(SshKeys.forSsh(dev.veil.model.auth.KeyFile.loadOrCreate(key)).getPublic());
    int tunnelPort = RedisContainers.freePort();
    try (ServiceProcess small = ServiceProcess.startWithManagementPort("gateway", withRedis(java.util.Map.of(
        "VEIL_MARKET_URL", upstreams.serviceUrl(),
        "VEIL_SESSION_URL", upstreams.agentUrl(), "VEIL_TUNNEL_PORT", Integer.toString(tunnelPort),
        "VEIL_TUNNEL_HOST_KEY_FILE", key.toString(), "VEIL_GATEWAY_NODES_MAXREQUESTBODY", "512MB",
        "VEIL_GATEWAY_RATELIMIT_ENABLED", "false")));
         TestNodes viaSmall = new TestNodes(tunnelPort, fingerprint, upstreams.runningJobs)) {
      int smallPort = Integer.parseInt(small.baseUrl().substring(small.baseUrl().lastIndexOf(':') + 1));
      GatewayClient client = new GatewayClient(smallPort);
      TestNodes.TestNode node = viaSmall.connect(upstreams.agent.port());
      String uploads = node.exposePrivate(upstreams.agent.port());
      String service = node.exposePrivate(upstreams.service.port());
      int mib = 300;

      java.security.MessageDigest sent = Upstreams.sha256();
      reactor.core.publisher.Flux<io.netty.buffer.ByteBuf> upload = reactor.core.publisher.Flux.range(0, mib).map(i -> {
        byte[] block = new byte[Upstreams.MIB];
        java.util.Arrays.fill(block, (byte) (i * 13));
        sent.update(block);
        return io.netty.buffer.Unpooled.wrappedBuffer(block);
      });
      GatewayClient.Reply uploaded = client.exchange(io.netty.handler.codec.http.HttpMethod.POST, uploads + "." + DOMAIN,
          "/upload", headers -> { }, upload);
      assertThat(uploaded.body()).isEqualTo((long) mib * Upstreams.MIB + " " + java.util.HexFormat.of().formatHex(sent.digest()));

      java.util.concurrent.atomic.AtomicLong received = new java.util.concurrent.atomic.AtomicLong();
      Integer status = client.http().headers(h -> h.set("Host", service + "." + DOMAIN))
          .get().uri(small.baseUrl() + "/big/" + mib)
          .response((response, body) -> body.doOnNext(buf -> received.addAndGet(buf.readableBytes()))
              .then(reactor.core.publisher.Mono.just(response.status().code())))
          .blockLast(Duration.ofSeconds(120));
      assertThat(status).isEqualTo(200);
      assertThat(received.get()).isEqualTo((long) mib * Upstreams.MIB);

      String echoed = client.http().headers(h -> h.set("Host", service + "." + DOMAIN))
          .websocket().uri(small.baseUrl().replace("http:", "ws:") + "/ws")
          .handle((in, out) -> out.sendString(reactor.core.publisher.Mono.just("through the tunnel"))
              .then().thenMany(in.receive().asString().take(1)))
          .blockFirst(Duration.ofSeconds(30));
      assertThat(echoed).isEqualTo("echo:through the tunnel");
      assertThat(small.log()).doesNotContain("OutOfMemoryError");
    }
  }

  /**
   * A service open to its job's owner only, through a gateway process that checks sessions with a
   * real session-service: no session, another owner's, one of another job, a node-scoped one: 401;
   * the owner's header, the link's cookie after the redirect, a WebSocket: through, and the service
   * never sees the session.
   */
  @Test
  void anOwnerOnlyServiceAdmitsItsJobsOwnerAloneAndNeverShowsTheServiceTheSession() throws Exception {
    String token = "gateway-token-" + RandomIds.next();
    Path key = Files.createTempDirectory("veil-gateway-").resolve("host.key");
    String fingerprint = SshKeys.fingerprint(SshKeys.forSsh(dev.veil.model.auth.KeyFile.loadOrCreate(key)).getPublic());
    int tunnelPort = RedisContainers.freePort();
    try (ServiceProcess sessions = ServiceProcess.start("session-service", withRedis(java.util.Map.of(
            "VEIL_SESSION_SERVICETOKENS_GATEWAY", token)));
         ServiceProcess checking = ServiceProcess.startWithManagementPort("gateway", withRedis(java.util.Map.of(
            "VEIL_MARKET_URL", upstreams.serviceUrl(),
            "VEIL_SESSION_URL", sessions.baseUrl(), "VEIL_TUNNEL_PORT", Integer.toString(tunnelPort),
            "VEIL_TUNNEL_HOST_KEY_FILE", key.toString(), "VEIL_GATEWAY_RATELIMIT_ENABLED", "false",
            "VEIL_GATEWAY_SESSION_TOKEN", token)));
         TestNodes viaChecking = new TestNodes(tunnelPort, fingerprint, upstreams.runningJobs, upstreams.jobOwners)) {
      GatewayClient client = new GatewayClient(Integer.parseInt(checking.baseUrl().substring(checking.baseUrl().lastIndexOf(':') + 1)));
      dev.veil.testsupport.ClientLogin login = new dev.veil.testsupport.ClientLogin(sessions.baseUrl());
      java.security.KeyPair alice = dev.veil.model.auth.Ed25519.generate();
      java.security.KeyPair bob = dev.veil.model.auth.Ed25519.generate();
      TestNodes.TestNode node = viaChecking.connect(upstreams.agent.port());
      String service = node.exposeOwnerOnly(upstreams.service.port(), dev.veil.model.auth.Ed25519.id(alice.getPublic()));
      String open = node.exposePrivate(upstreams.service.port());
      String host = service + "." + DOMAIN;
      String jobId = node.jobOf(service);
      String owners = login.login(alice, jobId, null).sessionId();

      // A plain private service is open to whoever has its URL, as before.
      assertThat(client.get(open + "." + DOMAIN, "/").body()).isEqualTo("hello from the service");
      GatewayClient.Reply nobody = client.get(host, "/");
      assertThat(nobody.status()).isEqualTo(401);
      assertThat(nobody.header("Content-Type")).isEqualTo("application/problem+json");
      assertThat(nobody.body()).doesNotContain("hello");
      for (String refused : List.of(login.login(bob, jobId, null).sessionId(), login.login(alice, RandomIds.next(), null).sessionId(),
          login.login(alice, jobId, node.id).sessionId(), "not-a-session")) {
        GatewayClient.Reply reply = client.exchange(io.netty.handler.codec.http.HttpMethod.GET, host, "/",
            headers -> headers.set("x-session-id", refused), null);
        assertThat(reply.status()).as("another owner's, another job's, a node-scoped one, a made-up one").isEqualTo(401);
      }

      GatewayClient.Reply byHeader = client.exchange(io.netty.handler.codec.http.HttpMethod.GET, host, "/headers",
          headers -> headers.set("x-session-id", owners).set("Cookie", "theme=dark"), null);
      assertThat(byHeader.status()).isEqualTo(200);
      assertThat(byHeader.body()).isEqualTo("session=null cookie=theme=dark uri=/headers").doesNotContain(owners);
      String unscoped = login.login(alice, null, null).sessionId();
      assertThat(client.exchange(io.netty.handler.codec.http.HttpMethod.GET, host, "/", headers -> headers.set("x-session-id", unscoped),
          null).status()).as("an unscoped session of the owner, in the header").isEqualTo(200);
      assertThat(client.get(host, "/?veil-session=" + unscoped).status()).as("but never into a browser's cookie").isEqualTo(401);
      // A service anyone may visit never gets a Veil session either: no link can hand one to a host.
      assertThat(client.exchange(io.netty.handler.codec.http.HttpMethod.GET, open + "." + DOMAIN, "/headers?a=1&veil-session=" + owners,
          headers -> headers.set("Cookie", "veil-session=" + owners + "; theme=dark"), null).body())
          .isEqualTo("session=null cookie=theme=dark uri=/headers?a=1");
      assertThat(client.get(open + "." + DOMAIN, "/headers?veil%2Dsession=" + owners + "&a=%E2%9C%93").body())
          .as("its name encoded").isEqualTo("session=null cookie=null uri=/headers?a=%E2%9C%93");

      GatewayClient.Reply link = client.get(host, "/page?tab=2&veil-session=" + owners);
      assertThat(link.status()).isEqualTo(303);
      assertThat(link.header("Location")).isEqualTo("/page?tab=2");
      String setCookie = link.header("Set-Cookie");
      assertThat(setCookie).startsWith("veil-session=" + owners + ";").containsIgnoringCase("HttpOnly").contains("SameSite=Lax")
          .contains("Path=/").doesNotContain("Domain").doesNotContain("Secure");
      assertThat(client.get(host, "/x?veil-session=" + login.login(bob, jobId, null).sessionId()).status()).isEqualTo(401);
      GatewayClient.Reply encodedLink = client.get(host, "/page?veil%2Dsession=" + owners);
      assertThat(encodedLink.status()).isEqualTo(303);
      assertThat(encodedLink.header("Location")).isEqualTo("/page");
      GatewayClient.Reply overHttps = client.exchange(io.netty.handler.codec.http.HttpMethod.GET, host, "/?veil-session=" + owners,
          headers -> headers.set("X-Forwarded-Proto", "https"), null);
      assertThat(overHttps.header("Set-Cookie")).startsWith("__Host-veil-session=" + owners + ";").containsIgnoringCase("Secure");

      GatewayClient.Reply byCookie = client.exchange(io.netty.handler.codec.http.HttpMethod.GET, host, "/headers",
          headers -> headers.set("Cookie", "a=1; veil-session=" + owners + "; b=2"), null);
      assertThat(byCookie.status()).isEqualTo(200);
      assertThat(byCookie.body()).isEqualTo("session=null cookie=a=1; b=2 uri=/headers");
      // A cookie another host of the node domain planted first does not lock the owner out.
      assertThat(client.exchange(io.netty.handler.codec.http.HttpMethod.GET, host, "/", headers -> headers.set("Cookie",
          "veil-session=" + login.login(bob, null, null).sessionId() + "; veil-session=" + owners), null).status()).isEqualTo(200);
      // Over HTTPS only the cookie no other host can plant counts, and only from an HTTPS page of the service.
      assertThat(client.exchange(io.netty.handler.codec.http.HttpMethod.GET, host, "/", headers -> headers
          .set("X-Forwarded-Proto", "https").set("Cookie", "veil-session=" + owners), null).status()).isEqualTo(401);
      assertThat(client.exchange(io.netty.handler.codec.http.HttpMethod.GET, host, "/", headers -> headers
          .set("X-Forwarded-Proto", "https").set("Cookie", "__Host-veil-session=" + owners), null).status()).isEqualTo(200);
      assertThat(client.exchange(io.netty.handler.codec.http.HttpMethod.POST, host, "/headers", headers -> headers
          .set("X-Forwarded-Proto", "https").set("Cookie", "__Host-veil-session=" + owners).set("Origin", "http://" + host), null)
          .status()).as("a plain-HTTP page is not the HTTPS service's origin").isEqualTo(403);
      assertThat(client.exchange(io.netty.handler.codec.http.HttpMethod.POST, host, "/headers", headers -> headers
          .set("X-Forwarded-Proto", "https").set("Cookie", "__Host-veil-session=" + owners).set("Origin", "https://" + host), null)
          .status()).isEqualTo(200);
      // With the cookie alone, a write from another service's page is refused; from the service's own, let through.
      String otherOrigin = "http://" + open + "." + DOMAIN + ":" + checking.baseUrl().substring(checking.baseUrl().lastIndexOf(':') + 1);
      // As a browser sends them: Origin names the host the page came from, as its Host header does (no port here).
      String ownOrigin = "http://" + host;
      assertThat(client.exchange(io.netty.handler.codec.http.HttpMethod.POST, host, "/headers", headers -> headers
          .set("Cookie", "veil-session=" + owners).set("Origin", otherOrigin), null).status()).isEqualTo(403);

      String wsUrl = checking.baseUrl().replace("http:", "ws:") + "/ws";
      assertThatThrownBy(() -> client.http().headers(h -> h.set("Host", host)).websocket().uri(wsUrl)
          .handle((in, out) -> in.receive().asString()).blockFirst(Duration.ofSeconds(30)))
          .as("a WebSocket without the owner's session is refused before the upgrade").hasMessageContaining("401");
      assertThatThrownBy(() -> client.http().headers(h -> h.set("Host", host).set("Cookie", "veil-session=" + owners)
              .set("Origin", otherOrigin)).websocket().uri(wsUrl)
          .handle((in, out) -> in.receive().asString()).blockFirst(Duration.ofSeconds(30)))
          .as("another job's page opening a WebSocket with the owner's cookie").hasMessageContaining("403");
      String echoed = client.http().headers(h -> h.set("Host", host).set("Cookie", "veil-session=" + owners).set("Origin", ownOrigin))
          .websocket().uri(wsUrl)
          .handle((in, out) -> out.sendString(reactor.core.publisher.Mono.just("owner only"))
              .then().thenMany(in.receive().asString().take(1)))
          .blockFirst(Duration.ofSeconds(30));
      assertThat(echoed).isEqualTo("echo:owner only");

      // Through a second replica, which does not hold the tunnel: it checks, and the holder takes its word only with its token.
      try (ServiceProcess relaying = ServiceProcess.startWithManagementPort("gateway", withRedis(java.util.Map.of(
          "VEIL_MARKET_URL", upstreams.serviceUrl(),
          "VEIL_SESSION_URL", sessions.baseUrl(), "VEIL_TUNNEL_PORT", Integer.toString(RedisContainers.freePort()),
          "VEIL_TUNNEL_HOST_KEY_FILE", key.toString(), "VEIL_GATEWAY_RATELIMIT_ENABLED", "false",
          "VEIL_GATEWAY_SESSION_TOKEN", token)))) {
        GatewayClient second = new GatewayClient(Integer.parseInt(relaying.baseUrl().substring(relaying.baseUrl().lastIndexOf(':') + 1)));
        assertThat(second.get(host, "/").status()).isEqualTo(401);
        GatewayClient.Reply relayed = second.exchange(io.netty.handler.codec.http.HttpMethod.GET, host, "/headers",
            headers -> headers.set("x-session-id", owners), null);
        assertThat(relayed.status()).isEqualTo(200);
        assertThat(relayed.body()).isEqualTo("session=null cookie=null uri=/headers");
      }
      // A visitor who claims another replica admitted it, without that replica's token, is not believed.
      assertThat(client.exchange(io.netty.handler.codec.http.HttpMethod.GET, host, "/", headers -> headers
          .set("x-veil-owner-admitted", service).set("x-veil-relay", "forged"), null).status()).isEqualTo(401);

      // Nothing of a session in the gateway's log.
      assertThat(checking.log()).doesNotContain(owners).doesNotContain(service);
    }
  }

  @Test
  void aPrivateResultIsConfirmedToItsNodeOnlyOnceWrittenWholeToItsOwner() throws Exception {
    TestNodes.TestNode node = nodes.connect(upstreams.agent.port());
    String host = node.id + "." + DOMAIN;

    // Read whole: the node gets back the token it gave, which the owner never sees; a client's own
    // receipt header is not what the node gets.
    GatewayClient.Reply whole = gateway.exchange(io.netty.handler.codec.http.HttpMethod.GET, host, "/job-result/r-2-whole",
        headers -> headers.set("x-veil-receipt", "forged"), null);
    assertThat(whole.status()).isEqualTo(200);
    assertThat(whole.body()).hasSize(2 * Upstreams.MIB);
    assertThat(whole.header("x-veil-receipt-token")).isNull();
    assertThat(upstreams.receiptsAsked).containsEntry("r-2-whole", "requested");
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> upstreams.receipts.containsKey("r-2-whole"));
    assertThat(upstreams.receipts).containsEntry("r-2-whole", "token-of-r-2-whole");

    // A node that cannot take a receipt gets it again.
    assertThat(gateway.get(host, "/job-result/r-1-flaky").status()).isEqualTo(200);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> upstreams.receipts.containsKey("r-1-flaky"));
    assertThat(upstreams.receipts).containsEntry("r-1-flaky", "token-of-r-1-flaky");
    assertThat(upstreams.receiptAttempts.get("r-1-flaky")).hasValue(2);

    // Anything but collecting a result asks for no receipt, whatever the client sends.
    assertThat(gateway.exchange(io.netty.handler.codec.http.HttpMethod.GET, host, "/node/info",
        headers -> headers.set("x-veil-receipt", "requested"), null).body()).endsWith("receipt=null");

    // The owner's connection breaks after the headers: the result was not written whole, no receipt
    // (five times: a write cut by a closing connection can end without an error, now and then).
    for (int cut = 1; cut <= 5; cut++) {
      String jobId = "r-64-cut" + cut;
      assertThat(gateway.raw("GET /job-result/" + jobId + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n")).isEqualTo("HTTP/1.1 200 OK");
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> upstreams.receiptsAsked.containsKey(jobId));
    }
    Thread.sleep(2000);
    assertThat(upstreams.receipts).doesNotContainKeys("r-64-cut1", "r-64-cut2", "r-64-cut3", "r-64-cut4", "r-64-cut5");
  }

  @Test
  void withTwoReplicasEveryNameWorksThroughTheOneWithoutTheTunnel() {
    // Names it looked up stay cached until an announcement drops them, however slow the machine:
    // the direct path passes on only names already cached.
    // On loops of its own (epoll): closed, a gateway on Reactor Netty's global loops disposes them, and
    // with them this JVM's other servers, the gateway under test and its stand-ins among them.
    ConfigurableApplicationContext other = new SpringApplicationBuilder(GatewayApplication.class).run(
        "--server.port=0", "--management.server.port=0", "--veil.gateway.tunnel.port=0", "--veil.gateway.io-uring=false",
        redisArgument(), "--veil.gateway.registry.cache-ttl=10m",
        "--veil.gateway.session-service-url=" + upstreams.agentUrl(), "--veil.gateway.market-url=" + upstreams.serviceUrl(),
        "--veil.gateway.tunnel.host-key-file=" + hostKey);
    try {
      GatewayClient second = new GatewayClient(((WebServerApplicationContext) other).getWebServer().getPort());
      TestNodes.TestNode node = nodes.connect(upstreams.agent.port());
      String serviceId = node.exposePrivate(upstreams.service.port());

      GatewayClient.Reply api = second.exchange(io.netty.handler.codec.http.HttpMethod.GET, node.id + "." + DOMAIN,
          "/job-result/x", headers -> headers.set("x-session-id", "s3ss10n").set("x-veil-relay", "forged"), null);
      assertThat(api.status()).isEqualTo(200);
      assertThat(api.body()).startsWith("agent GET /job-result/x session=s3ss10n");
      assertThat(second.get(serviceId + "." + DOMAIN, "/").body()).isEqualTo("hello from the service");
      // The direct path passes on names the cache holds: both were looked up just now, by the routes
      // (asked again if the cache was not listening yet, or an announcement dropped them since).
      RegistryCache otherCache = other.getBean(RegistryCache.class);
      Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> {
        if (otherCache.peek(node.id).isEmpty()) {
          second.get(node.id + "." + DOMAIN, "/node/info");
        }
        if (otherCache.peek(serviceId).isEmpty()) {
          second.get(serviceId + "." + DOMAIN, "/");
        }
        return otherCache.peek(node.id).isPresent() && otherCache.peek(serviceId).isPresent();
      });
      theCommonCaseTakesTheDirectPathOnBothReplicas(second, other.getBean(MeterRegistry.class), node.id, serviceId);
      // A result collected through the replica without the tunnel: that one, which writes to the
      // owner, asks for the receipt and sends it, through the one with the tunnel.
      GatewayClient.Reply result = second.get(node.id + "." + DOMAIN, "/job-result/r-1-relayed");
      assertThat(result.status()).isEqualTo(200);
      assertThat(result.header("x-veil-receipt-token")).isNull();
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> upstreams.receipts.containsKey("r-1-relayed"));
      assertThat(upstreams.receipts).containsEntry("r-1-relayed", "token-of-r-1-relayed");
      // The replicas share the host key: an agent pins one fingerprint for all.
      assertThat(other.getBean(TunnelServer.class).fingerprint()).isEqualTo(tunnels.fingerprint());

      node.tunnel.close();
      // Gone from the other replica at once too: offline (a known node), to ask again.
      Awaitility.await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
          .until(() -> second.get(node.id + "." + DOMAIN, "/node/info").status() == 503);
    } finally {
      other.close();
    }
  }

  /**
   * Through a replica without the tunnel, a node's API and an open service take the direct path on
   * both replicas (NodeDataPlane): passed on with the holder's token and the client's Host, served
   * from the tunnel by the holder. Neither replica's WebFlux server timer sees them, both route
   * timers do, and the agent sees the same headers as through the replica that holds the tunnel.
   */
  private void theCommonCaseTakesTheDirectPathOnBothReplicas(GatewayClient second, MeterRegistry otherMeters, String nodeId,
      String serviceId) {
    java.util.function.Consumer<io.netty.handler.codec.http.HttpHeaders> sent = h -> h
        .set("x-session-id", "s-1").set("Cookie", "a=b").set("X-Custom", "kept")
        .set("X-Forwarded-For", "203.0.113.9").set("Forwarded", "for=203.0.113.9").set("x-veil-receipt", "requested");
    double[] server = settledServerRequests(meters, otherMeters);
    double[] nodeRoute = {RequestTimers.route(meters, "node"), RequestTimers.route(otherMeters, "node")};
    double[] serviceRoute = {RequestTimers.route(meters, "service"), RequestTimers.route(otherMeters, "service")};

    GatewayClient.Reply here = gateway.exchange(io.netty.handler.codec.http.HttpMethod.GET, nodeId + "." + DOMAIN,
        "/job/echo-headers", sent, null);
    GatewayClient.Reply relayed = second.exchange(io.netty.handler.codec.http.HttpMethod.GET, nodeId + "." + DOMAIN,
        "/job/echo-headers", sent, null);
    assertThat(relayed.status()).isEqualTo(200);
    assertThat(relayed.body()).isEqualTo(here.body())
        .contains("x-session-id: s-1", "x-custom: kept", "host: 127.0.0.1:")
        .doesNotContain("x-veil-relay", "x-forwarded", "forwarded:", "x-veil-receipt");
    assertThat(second.get(serviceId + "." + DOMAIN, "/").body()).isEqualTo("hello from the service");

    // Timers are recorded as a response completes, which the client may see a moment before.
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() ->
        RequestTimers.route(meters, "node") == nodeRoute[0] + 2 && RequestTimers.route(otherMeters, "node") == nodeRoute[1] + 1
            && RequestTimers.route(meters, "service") == serviceRoute[0] + 1
            && RequestTimers.route(otherMeters, "service") == serviceRoute[1] + 1);
    // Through the chain, the server's timer is recorded a moment after the route's: it must stay put.
    Awaitility.await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3))
        .until(() -> RequestTimers.server(meters) == server[0] && RequestTimers.server(otherMeters) == server[1]);
  }

  /**
   * A name the registry says another replica holds, that replica not reachable: 503 problem, the
   * first time through the routes (which look the name up and cache it), then on the direct path.
   */
  @Test
  void aNameHeldByAReplicaThatCannotBeReachedAnswers503OnBothPaths() throws IOException {
    String gone = "replica-" + RandomIds.next();
    String service = RandomIds.next();
    int closed;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = socket.getLocalPort();
    }
    registry.opsForHash().putAll(TunnelRegistry.REPLICA + gone,
        Map.of("url", "http://127.0.0.1:" + closed, "token", RandomIds.next())).block();
    registry.opsForHash().putAll(TunnelRegistry.SERVICE + service, Map.of("replica", gone, "node", "n", "job", "j")).block();
    try {
      double server = RequestTimers.server(meters);
      GatewayClient.Reply routes = gateway.get(service + "." + DOMAIN, "/");
      assertThat(registryCache.peek(service)).as("cached by the routes' look-up").isPresent();
      GatewayClient.Reply direct = gateway.get(service + "." + DOMAIN, "/");

      for (GatewayClient.Reply reply : List.of(routes, direct)) {
        assertThat(reply.status()).isEqualTo(503);
        assertThat(reply.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(reply.body()).contains("upstream-unavailable");
      }
      // Only the first went through the chain.
      Awaitility.await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3))
          .until(() -> RequestTimers.server(meters) == server + 1);
    } finally {
      registry.delete(TunnelRegistry.REPLICA + gone, TunnelRegistry.SERVICE + service).block();
    }
  }

  /** Both server timers, once neither has moved for 300 ms (the chain records a moment after its response). */
  private static double[] settledServerRequests(MeterRegistry one, MeterRegistry other) {
    double[][] seen = {{-1, -1}};
    Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).during(Duration.ofMillis(300))
        .until(() -> {
          double[] now = {RequestTimers.server(one), RequestTimers.server(other)};
          boolean still = java.util.Arrays.equals(now, seen[0]);
          seen[0] = now;
          return still;
        });
    return seen[0];
  }

  @Test
  void nodesSeenAreRememberedForTheNodeMemoryAndNoLonger() {
    String old = Ed25519.id(Ed25519.generate().getPublic());
    // Seen long ago (score: milliseconds since the epoch): forgotten when the next node connects.
    registry.opsForZSet().add(TunnelRegistry.NODES_SEEN, old, 1).block();
    TestNodes.TestNode node = nodes.connect(upstreams.agent.port());
    assertThat(registry.opsForZSet().score(TunnelRegistry.NODES_SEEN, node.id).block()).isNotNull();
    assertThat(registry.opsForZSet().score(TunnelRegistry.NODES_SEEN, old).block()).isNull();
    assertThat(registry.getExpire(TunnelRegistry.NODES_SEEN).block()).isPositive();
    // A node seen lately still cannot be shadowed by a service of its name, even while it is offline.
    TestNodes.TestNode other = nodes.connect(upstreams.service.port());
    node.tunnel.close();
    assertThatThrownBy(() -> other.exposePrivate(node.id, upstreams.secret.port())).isInstanceOf(java.io.UncheckedIOException.class);
  }

  @Test
  void theNamesAReplicaHeldWhenItDiedAreSweptAway() {
    String dead = "dead-" + RandomIds.next();
    String node = Ed25519.id(Ed25519.generate().getPublic());
    String service = RandomIds.next();
    String takenOver = RandomIds.next();
    registry.opsForHash().put(TunnelRegistry.NODE + node, "replica", dead).block();
    registry.opsForHash().put(TunnelRegistry.SERVICE + service, "replica", dead).block();
    // Since taken over by a live replica: it stays.
    registry.opsForHash().put(TunnelRegistry.SERVICE + takenOver, "replica", "a-live-one").block();
    registry.opsForSet().add(TunnelRegistry.HELD + dead, "node:" + node, "service:" + service, "service:" + takenOver).block();
    // Its last beat a minute and a half ago; its own key long expired.
    registry.opsForZSet().add(TunnelRegistry.REPLICAS, dead, System.currentTimeMillis() - 90_000).block();

    Awaitility.await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      assertThat(registry.hasKey(TunnelRegistry.NODE + node).block()).isFalse();
      assertThat(registry.hasKey(TunnelRegistry.SERVICE + service).block()).isFalse();
      assertThat(registry.hasKey(TunnelRegistry.HELD + dead).block()).isFalse();
      assertThat(registry.opsForZSet().score(TunnelRegistry.REPLICAS, dead).block()).isNull();
    });
    assertThat(registry.hasKey(TunnelRegistry.SERVICE + takenOver).block()).isTrue();
    // This replica, alive, is not swept: its own names stay.
    TestNodes.TestNode live = nodes.connect(upstreams.agent.port());
    assertThat(gateway.get(live.id + "." + DOMAIN, "/node/info").status()).isEqualTo(200);
    assertThat(registry.opsForSet().isMember(TunnelRegistry.HELD + replica.id(), "node:" + live.id).block()).isTrue();
  }
}
