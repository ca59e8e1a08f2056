package dev.veil.tunnel;

import dev.veil.model.auth.Ed25519;
import java.lang.reflect.Field;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.cipher.Cipher;
import org.apache.sshd.common.kex.KexProposalOption;

/**
 * A node for {@code scripts/bench-tunnel.sh}, not a test: a fresh Ed25519 key, a tunnel to the
 * gateway with the real client the agent uses ({@link TunnelClient}), its {@code node} forward
 * delivering to an upstream on loopback. Prints its node ID and the cipher the tunnel negotiated,
 * then waits until the tunnel closes or the process is ended.
 *
 * <pre>java -cp ... dev.veil.tunnel.BenchNode TUNNEL_PORT FINGERPRINT UPSTREAM_PORT</pre>
 *
 * <p>With {@code -Dveil.bench.cipher=NAME} (e.g. {@code aes128-gcm@openssh.com}) the client
 * proposes that cipher first, the rest of MINA's list after it. SSH picks the first of the
 * client's ciphers the server knows, so this sets the cipher of both directions without touching
 * the gateway. Only the benchmark does this (by reflection on the client it measures); the agent
 * keeps MINA's default order.
 *
 * <p>With {@code -Dveil.bench.node-id=digit} (or {@code letter}) the key is drawn again until its
 * node ID starts with a digit (a letter), so that every configuration of one run is measured with
 * the same kind of ID: a Host whose first label starts with a digit costs WebFlux an exception per
 * request when it builds the request's URI, so a random ID (about half start with a digit) makes
 * runs differ by chance.
 */
public final class BenchNode {

  private BenchNode() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: BenchNode TUNNEL_PORT FINGERPRINT UPSTREAM_PORT");
      System.exit(2);
    }
    int tunnelPort = Integer.parseInt(args[0]);
    int upstreamPort = Integer.parseInt(args[2]);
    try (TunnelClient client = new TunnelClient(key(System.getProperty("veil.bench.node-id", "any")), args[1],
        Duration.ofSeconds(5))) {
      String cipher = System.getProperty("veil.bench.cipher", "");
      if (!cipher.isEmpty()) {
        preferCipher(field(client, "client", SshClient.class), cipher);
      }
      Tunnel tunnel = client.connect("127.0.0.1", tunnelPort, Duration.ofSeconds(10));
      CountDownLatch closed = new CountDownLatch(1);
      tunnel.whenClosed(closed::countDown);
      tunnel.forward(ForwardName.NODE, "127.0.0.1", upstreamPort);
      ClientSession session = field(tunnel, "session", ClientSession.class);
      System.out.println("node " + client.nodeId());
      System.out.println("cipher " + session.getNegotiatedKexParameter(KexProposalOption.S2CENC)
          + " mac " + session.getNegotiatedKexParameter(KexProposalOption.S2CMAC));
      System.out.flush();
      closed.await();
      System.err.println("bench node: the tunnel closed");
      System.exit(1);
    }
  }

  private static KeyPair key(String kind) {
    if (!List.of("any", "digit", "letter").contains(kind)) {
      throw new IllegalArgumentException("veil.bench.node-id: any, digit or letter, not " + kind);
    }
    while (true) {
      KeyPair key = Ed25519.generate();
      boolean digit = Character.isDigit(Ed25519.id(key.getPublic()).charAt(0));
      if (kind.equals("any") || digit == kind.equals("digit")) {
        return key;
      }
    }
  }

  private static void preferCipher(SshClient ssh, String name) {
    BuiltinCiphers first = BuiltinCiphers.fromFactoryName(name);
    if (first == null || !first.isSupported()) {
      throw new IllegalArgumentException("cipher not supported here: " + name);
    }
    List<NamedFactory<Cipher>> ciphers = new ArrayList<>();
    ciphers.add(first);
    ssh.getCipherFactories().stream().filter(c -> !c.getName().equals(name)).forEach(ciphers::add);
    ssh.setCipherFactories(ciphers);
  }

  private static <T> T field(Object owner, String name, Class<T> type) throws ReflectiveOperationException {
    Field field = owner.getClass().getDeclaredField(name);
    field.setAccessible(true);
    return type.cast(field.get(owner));
  }
}
