package dev.veil.agent.engine;

import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import dev.veil.agent.config.AgentProperties;
import java.util.List;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;

/**
 * What every job container is confined to: memory (swap included), CPU and process limits from
 * the host's settings, {@code no-new-privileges}, and a short list of capabilities.
 *
 * <p>The capabilities: every one is dropped, then these are given back, because common images
 * need them as root inside the container and none of them reaches past it:
 * <ul>
 *   <li>{@code CHOWN}, {@code DAC_OVERRIDE}, {@code FOWNER}: entrypoints that prepare their data
 *       directories ({@code chown postgres /var/lib/postgresql}, writing files another user owns,
 *       {@code chmod} on them) — official database and web images do this on every start;</li>
 *   <li>{@code SETUID}, {@code SETGID}: dropping from root to a service user ({@code gosu},
 *       {@code su-exec}, nginx's and Apache's workers);</li>
 *   <li>{@code NET_BIND_SERVICE}: a server on a port below 1024 (nginx on 80);</li>
 *   <li>{@code KILL}: a root master signalling workers that run as another user (nginx reload
 *       and stop).</li>
 * </ul>
 * Not given back, of the engines' defaults: {@code NET_RAW} (raw sockets: spoofing and sniffing
 * on the job's network), {@code MKNOD} (device nodes), {@code FSETID}, {@code SETFCAP} and
 * {@code SETPCAP} (keeping or granting privileges through files and capability sets, which
 * {@code no-new-privileges} makes moot), {@code SYS_CHROOT} and {@code AUDIT_WRITE}.
 */
@Component
public class ContainerConfinement {

  /** The capabilities a job container keeps; all others are dropped. */
  public static final List<Capability> KEPT_CAPABILITIES = List.of(Capability.CHOWN, Capability.DAC_OVERRIDE,
      Capability.FOWNER, Capability.SETGID, Capability.SETUID, Capability.NET_BIND_SERVICE, Capability.KILL);

  // Podman 4 accepts only the bare form; Docker accepts it too.
  static final String NO_NEW_PRIVILEGES = "no-new-privileges";

  private final long memoryBytes;
  private final long nanoCpus;
  private final long pids;

  public ContainerConfinement(AgentProperties properties) {
    this.memoryBytes = properties.containerMemory().toBytes();
    this.nanoCpus = Math.round(properties.containerCpus() * 1_000_000_000d);
    this.pids = properties.containerPids();
  }

  /** Applies the limits, the security option and the capabilities to a container's host configuration. */
  HostConfig apply(HostConfig host) {
    return host
        .withMemory(memoryBytes)
        // Swap equal to the memory limit means none: a job over its limit ends, it does not page the host to a halt.
        .withMemorySwap(memoryBytes)
        .withNanoCPUs(nanoCpus)
        .withPidsLimit(pids)
        .withSecurityOpts(List.of(NO_NEW_PRIVILEGES))
        .withCapDrop(Capability.ALL)
        .withCapAdd(KEPT_CAPABILITIES.toArray(Capability[]::new));
  }

  /** The memory limit as people read it, e.g. {@code 64 MiB}. */
  public String memoryLimit() {
    return readable(memoryBytes);
  }

  static String readable(long bytes) {
    long gib = DataSize.ofGigabytes(1).toBytes();
    long mib = DataSize.ofMegabytes(1).toBytes();
    if (bytes % gib == 0) {
      return bytes / gib + " GiB";
    }
    if (bytes % mib == 0) {
      return bytes / mib + " MiB";
    }
    return bytes + " bytes";
  }
}
