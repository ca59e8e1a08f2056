package dev.veil.gateway.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The gateway's settings, under {@code veil.gateway}.
 *
 * @param nodeDomain       the domain under which {@code {id}.<nodeDomain>} names a node or an exposed service
 * @param sessionServiceUrl where session-service's public API is
 * @param marketUrl        where job-market's public API is
 * @param registry         how registry lookups are cached
 * @param nodes            limits on requests to agents and exposed services
 * @param api              limits on requests to the public APIs
 * @param rateLimit        per-client rate limit over all routes
 * @param accessLog        whether each request is logged (redacted) on {@code veil.gateway.access}
 * @param tunnel           the SSH port agents dial, and how replicas reach each other
 * @param ownerAccess      how services open to their job's owner only check visitors' sessions
 * @param ioUring          whether the HTTP server and clients may run on io_uring where the kernel
 *                         allows it (else epoll); false: epoll regardless
 */
@Validated
@ConfigurationProperties("veil.gateway")
public record GatewayProperties(
    @DefaultValue("node.localhost") @NotBlank @Pattern(regexp = "[a-z0-9]([a-z0-9.-]*[a-z0-9])?") String nodeDomain,
    @DefaultValue("http://localhost:8081") @NotNull URI sessionServiceUrl,
    @DefaultValue("http://localhost:8082") @NotNull URI marketUrl,
    @DefaultValue @Valid Registry registry,
    @DefaultValue @Valid Nodes nodes,
    @DefaultValue @Valid Api api,
    @DefaultValue @Valid RateLimit rateLimit,
    @DefaultValue("true") boolean accessLog,
    @DefaultValue @Valid Tunnel tunnel,
    @DefaultValue @Valid OwnerAccess ownerAccess,
    @DefaultValue("true") boolean ioUring) {

  /**
   * Services open to their job's owner only ({@code "access": "owner"}).
   *
   * @param sessionToken this gateway's token as session-service's trusted service {@code gateway}
   *                     ({@code VEIL_SESSION_SERVICETOKENS_GATEWAY} there); empty: such services
   *                     admit no one (503)
   * @param cacheTtl     how long a valid session is kept without asking again (a revoked one is
   *                     refused within this)
   * @param cacheSize    most sessions kept
   */
  public record OwnerAccess(@DefaultValue("") String sessionToken, @DefaultValue("10s") @NotNull Duration cacheTtl,
      @DefaultValue("10000") @Min(1) long cacheSize) {

    @Override
    public String toString() {
      // Never the token.
      return "OwnerAccess[sessionToken=" + (sessionToken.isBlank() ? "(none)" : "(set)") + ", cacheTtl=" + cacheTtl
          + ", cacheSize=" + cacheSize + "]";
    }
  }

  /**
   * @param cacheTtl  how long a lookup (found or not) is kept; withdrawals announced on the registry
   *                  channel drop it at once, this bounds only what the channel cannot tell (a node expiring)
   * @param cacheSize most IDs kept
   */
  public record Registry(@DefaultValue("5s") @NotNull Duration cacheTtl, @DefaultValue("100000") @Min(1) long cacheSize) {}

  /** Limits on proxied requests. */
  public interface Upstream {
    /** Largest request body forwarded, streamed or not; a larger one is answered 413. */
    DataSize maxRequestBody();

    /** Longest wait for the upstream's response headers; then 504. */
    Duration responseTimeout();
  }

  /**
   * To agents and exposed services: uploads to a service can be large; an agent's own API takes
   * small JSON bodies ({@code maxApiRequestBody}, the agent's own limit), and a larger one is
   * refused here rather than streamed to an agent that answers 413 and closes mid-upload (which
   * a client would see as the upstream's connection dropping). Only the agent's API paths
   * ({@code apiPaths}, prefixes) reach a node: its actuator or anything else it serves never does.
   * An exposed service may take its time to answer ({@code responseTimeout}); an agent's own API
   * answers at once or not at all ({@code apiResponseTimeout}).
   *
   * <p>{@code directPath}: a request to a node or an open service whose tunnel this replica holds
   * is served by {@code NodeDataPlane}, outside Spring Cloud Gateway's filter chain (the same
   * rules, 1.7× the chain's throughput in docs/benchmarks.md); off, every request takes the chain —
   * for comparison only.
   */
  public record Nodes(@DefaultValue("256MB") @NotNull DataSize maxRequestBody,
                      @DefaultValue("30s") @NotNull Duration responseTimeout,
                      @DefaultValue("1MB") @NotNull DataSize maxApiRequestBody,
                      @DefaultValue("10s") @NotNull Duration apiResponseTimeout,
                      @DefaultValue({"/job-definition/", "/job-result/", "/job-logs/", "/service/url/", "/job/", "/node/info"})
                      @NotNull java.util.List<String> apiPaths,
                      @DefaultValue("true") boolean directPath) implements Upstream {}

  /**
   * To the public APIs: small bodies, answered within {@code responseTimeout} or 504; a host's
   * claim long-polls (the market holds it up to its {@code max-claim-wait}, 20 s), so
   * {@code POST /v1/claims} alone waits {@code claimResponseTimeout}.
   */
  public record Api(@DefaultValue("4MB") @NotNull DataSize maxRequestBody,
                    @DefaultValue("10s") @NotNull Duration responseTimeout,
                    @DefaultValue("30s") @NotNull Duration claimResponseTimeout) implements Upstream {}

  /**
   * Token bucket per client address, in each replica's memory; each of the live replicas allows
   * its share of the rates given here (they are the limit across all replicas).
   *
   * @param enabled          off only for benchmarks of the proxy alone
   * @param replenishRate    tokens per second
   * @param burstCapacity    bucket size
   * @param trustedProxyHops proxies in front of the gateway whose {@code X-Forwarded-For} entry is
   *                         trusted; 0 uses the connection's address
   * @param maxClients       most clients with a bucket on one replica (the least recently and
   *                         frequently seen are dropped first)
   */
  public record RateLimit(
      @DefaultValue("true") boolean enabled,
      @DefaultValue("100") @Min(1) int replenishRate,
      @DefaultValue("200") @Min(1) int burstCapacity,
      @DefaultValue("0") @Min(0) int trustedProxyHops,
      @DefaultValue("100000") @Min(1) long maxClients) {}

  /**
   * Where agents dial in, and how a request reaches the replica that holds its tunnel.
   *
   * @param port               the SSH port agents connect to (0: any free port, for tests)
   * @param bindAddress        the address it listens on
   * @param hostKeyFile        this gateway's Ed25519 host key (application.yml: {@code ~/.veil/gateway-host.key}), created 0600 on first start; every
   *                           replica behind one name shares it, and agents pin its fingerprint
   * @param replicaUrl         how the other replicas reach this one's HTTP port, inside the cluster;
   *                           empty: {@code http://127.0.0.1:<server port>} (one machine)
   * @param replicaTtl         how long a replica counts as alive after its last heartbeat (a third of it)
   * @param maxForwardsPerNode most names one node may route into its tunnel at once
   * @param maxTunnelsPerNode  most tunnels one node key may hold open at once on this replica
   * @param idleTimeout        a tunnel silent this long (no traffic, no heartbeat) is closed
   * @param jobCheckTimeout    longest wait for the market to say who holds a job
   * @param nodeMemory         how long a node ID stays reserved (no service may take it) after its last tunnel opened
   * @param acceptBacklog      connections the kernel holds for each tunnel listener (the SSH port and every
   *                           forward's loopback port) until they are accepted (capped by
   *                           {@code net.core.somaxconn}); one beyond it has its SYN dropped and retried a
   *                           second later. Java's default, 50, is fewer than the gateway's pool opens at once to
   *                           a busy forward.
   */
  public record Tunnel(
      @DefaultValue("2222") @Min(0) int port,
      @DefaultValue("0.0.0.0") @NotBlank String bindAddress,
      @NotNull java.nio.file.Path hostKeyFile,
      @DefaultValue("") String replicaUrl,
      @DefaultValue("15s") @NotNull Duration replicaTtl,
      @DefaultValue("64") @Min(1) int maxForwardsPerNode,
      @DefaultValue("4") @Min(1) int maxTunnelsPerNode,
      @DefaultValue("60s") @NotNull Duration idleTimeout,
      @DefaultValue("2s") @NotNull Duration jobCheckTimeout,
      @DefaultValue("30d") @NotNull Duration nodeMemory,
      @DefaultValue("1024") @Min(1) int acceptBacklog) {}
}
