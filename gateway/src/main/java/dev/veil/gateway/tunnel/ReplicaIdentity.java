package dev.veil.gateway.tunnel;

import dev.veil.model.id.RandomIds;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * This gateway process among its replicas: a random ID, and a random token another replica
 * presents when it passes on a request whose tunnel is held here. Both are new at every start.
 */
public final class ReplicaIdentity {

  /** The header a replica passing a request on sets; stripped from every request, checked, never forwarded. */
  public static final String RELAY_HEADER = "x-veil-relay";

  private final String id = RandomIds.next();
  private final String token = RandomIds.next();

  public String id() {
    return id;
  }

  String token() {
    return token;
  }

  /** True when {@code presented} is this replica's relay token; constant time. */
  public boolean isRelayToken(String presented) {
    return presented != null
        && MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), presented.getBytes(StandardCharsets.UTF_8));
  }
}
