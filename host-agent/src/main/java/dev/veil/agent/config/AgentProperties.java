package dev.veil.agent.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the host agent, under {@code veil.agent}.
 *
 * @param marketUrl         job-market's base URL
 * @param nodeKeyFile       the node's Ed25519 key, created 0600 on first start; its public key is the node ID
 * @param dataDir           where op logs are spooled
 * @param dockerHost        the Docker Engine API: Docker's or Podman's socket; empty means {@code $DOCKER_HOST}, else Docker's default
 * @param publishHost       the address exposed ports are relayed on, for the tunnel to deliver to; loopback unless the agent runs apart from its engine
 * @param maxConcurrentJobs jobs whose containers run at once; a job ready to run when all are taken waits for one
 * @param maxWaitingJobs    jobs that may wait on their owners at once (for a private definition, or for a held
 *                          result to be collected); they take no run slot, and claiming pauses while this many wait
 * @param claimWait         how long one claim long-poll waits
 * @param heartbeatInterval how often the node and each running job heartbeat (well within the market's lease)
 * @param logMemoryLines    log lines per op kept in memory; the rest is spooled to disk
 * @param maxPublishedLogLines log lines per op in a published result; the rest is cut, with a note
 * @param maxLogLineBytes   longest log line kept as one entry; a longer one is split into entries marked {@code continued}
 * @param maxPublishedResultBytes largest published result; logs (then matches) are cut to fit, with a note. Below the market's body limit
 * @param publishRetryFor   how long publishing a result is retried while the market cannot answer
 * @param stopGrace         time a container gets to exit after SIGTERM before it is killed
 * @param healthInterval    how often exposed services are checked
 * @param drainTimeout      on shutdown, how long running jobs may finish before they are stopped
 * @param gpu               whether this host offers GPUs (ops asking for one fail clearly otherwise)
 * @param version           reported in the registry and {@code /node/info}
 * @param sessionUrl        session-service, which the agent asks (node-signed) whether a client's session is valid
 * @param definitionDeadline how long a job waits for its private definition before it ends with a logistics error
 * @param resultDeadline    how long a privately received result is held for its owner before it is deleted
 * @param resultReceiptTimeout how long a result the gateway relayed counts as in flight, waiting for the gateway's receipt
 *                          that its owner's connection took the last byte; without one it is held again, to be asked for again
 * @param serviceUrlFormat  a private service's URL, {@code %s} standing for its ID
 * @param privateKey        AES-256 key (base64) for private data at rest; empty: generated into {@code <data-dir>/private.key}
 * @param containerMemory   memory each job container may use, swap included; beyond it the container is killed and its op fails saying so
 * @param containerCpus     CPUs each job container may use (fractions allowed: {@code 0.5} is half a core)
 * @param containerPids     processes and threads each job container may have at once (stops fork bombs)
 * @param imagePullTimeout  longest an image pull may take before the op fails
 * @param tunnel            the tunnel to the gateway this agent dials: the only way anything reaches it
 */
@Validated
@ConfigurationProperties("veil.agent")
public record AgentProperties(
    @DefaultValue("http://localhost:8082") @NotBlank String marketUrl,
    @NotNull Path nodeKeyFile,
    @NotNull Path dataDir,
    @DefaultValue("") String dockerHost,
    @DefaultValue("127.0.0.1") @NotBlank String publishHost,
    @DefaultValue("1") @Min(1) int maxConcurrentJobs,
    @DefaultValue("32") @Min(1) int maxWaitingJobs,
    @DefaultValue("PT20S") @NotNull Duration claimWait,
    @DefaultValue("PT10S") @NotNull Duration heartbeatInterval,
    @DefaultValue("1000") @Min(10) int logMemoryLines,
    @DefaultValue("10000") @Min(10) int maxPublishedLogLines,
    @DefaultValue("16384") @Min(64) int maxLogLineBytes,
    @DefaultValue("3MB") @NotNull DataSize maxPublishedResultBytes,
    @DefaultValue("PT10M") @NotNull Duration publishRetryFor,
    @DefaultValue("PT5S") @NotNull Duration stopGrace,
    @DefaultValue("PT2S") @NotNull Duration healthInterval,
    @DefaultValue("PT1M") @NotNull Duration drainTimeout,
    @DefaultValue("false") boolean gpu,
    @DefaultValue("0.1.0") String version,
    @DefaultValue("http://localhost:8081") @NotBlank String sessionUrl,
    @DefaultValue("PT10M") @NotNull Duration definitionDeadline,
    @DefaultValue("PT30M") @NotNull Duration resultDeadline,
    @DefaultValue("PT30S") @NotNull Duration resultReceiptTimeout,
    @DefaultValue("https://%s.node.localhost") @NotBlank String serviceUrlFormat,
    @DefaultValue("") String privateKey,
    @DefaultValue("2GB") @NotNull DataSize containerMemory,
    @DefaultValue("1.0") @DecimalMin("0.01") double containerCpus,
    @DefaultValue("1024") @Min(8) long containerPids,
    @DefaultValue("PT10M") @NotNull Duration imagePullTimeout,
    @DefaultValue @Valid Tunnel tunnel) {

  public AgentProperties {
    if (definitionDeadline.isZero() || definitionDeadline.isNegative() || resultDeadline.isZero() || resultDeadline.isNegative()
        || resultReceiptTimeout.isZero() || resultReceiptTimeout.isNegative()) {
      throw new IllegalArgumentException("veil.agent deadlines must be positive: a private job never waits unbounded");
    }
    // The engines refuse a container limited to less than 6 MiB.
    if (containerMemory.toBytes() < DataSize.ofMegabytes(6).toBytes()) {
      throw new IllegalArgumentException("veil.agent.container-memory must be at least 6MB");
    }
    if (imagePullTimeout.isZero() || imagePullTimeout.isNegative()) {
      throw new IllegalArgumentException("veil.agent.image-pull-timeout must be positive");
    }
  }

  /**
   * The SSH tunnel to the gateway.
   *
   * @param host                   the gateway's tunnel host
   * @param port                   its tunnel port
   * @param hostKeyFingerprint     the gateway's host key fingerprint ({@code SHA256:...}, as {@code ./veil up} or the gateway's
   *                               {@code /actuator/info} prints it); a gateway with any other key is refused
   * @param heartbeat              how often the gateway is checked; three missed replies reconnect
   * @param connectTimeout         longest one connection and login may take
   * @param maxReconnectDelay      longest wait between attempts (jittered, growing from 100 ms)
   */
  public record Tunnel(
      @DefaultValue("localhost") @NotBlank String host,
      @DefaultValue("2222") @Min(1) int port,
      @DefaultValue("") String hostKeyFingerprint,
      @DefaultValue("PT10S") @NotNull Duration heartbeat,
      @DefaultValue("PT10S") @NotNull Duration connectTimeout,
      @DefaultValue("PT5S") @NotNull Duration maxReconnectDelay) {}
}
