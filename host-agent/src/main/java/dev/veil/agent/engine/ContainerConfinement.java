package dev.veil.agent.engine;

import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import dev.veil.agent.config.AgentProperties;
import dev.veil.model.job.ContainerLimits;
import java.util.List;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;

/**
 * What every job container is confined to: memory (swap included), CPU and process limits from
 * the host's settings (or less, where its op asks for less), {@code no-new-privileges}, and a
 * short list of capabilities.
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

  /** One container's limits: the host's, or less where its op asks for less. */
  public record Limits(long memoryBytes, long nanoCpus, long pids) {

    /** The memory limit as people read it, e.g. {@code 64 MiB}. */
    public String memory() {
      return readable(memoryBytes);
    }
  }

  /**
   * The limits of a container whose op asks for {@code asked} (null: nothing). An op may ask for
   * less than the host gives, never more: that is refused, saying what the host gives, rather
   * than run with less than the op was written for.
   */
  public Limits limitsFor(ContainerLimits asked) {
    if (asked == null) {
      return new Limits(memoryBytes, nanoCpus, pids);
    }
    // The market validated these, but a host confines its own containers: in the engines 0 or
    // less means no limit at all.
    long memory = memoryBytes;
    if (asked.memory() != null) {
      if (asked.memoryBytes().isEmpty() || asked.memoryBytes().getAsLong() < ContainerLimits.MIN_MEMORY_BYTES) {
        throw new IllegalArgumentException("this op's memory limit is not a size of at least 6m");
      }
      memory = asked.memoryBytes().getAsLong();
      if (memory > memoryBytes) {
        throw new IllegalArgumentException("this op asks for " + readable(memory) + " of memory; this host gives each container at most "
            + readable(memoryBytes));
      }
    }
    long cpus = nanoCpus;
    if (asked.cpus() != null) {
      if (!(asked.cpus() >= 0.01)) {
        throw new IllegalArgumentException("this op's CPU limit must be at least 0.01");
      }
      cpus = Math.round(asked.cpus() * 1_000_000_000d);
      if (cpus > nanoCpus) {
        throw new IllegalArgumentException("this op asks for " + asked.cpus() + " CPUs; this host gives each container at most "
            + nanoCpus / 1_000_000_000d);
      }
    }
    long processes = pids;
    if (asked.pids() != null) {
      if (asked.pids() < 8) {
        throw new IllegalArgumentException("this op's process limit must be at least 8");
      }
      processes = asked.pids();
      if (processes > pids) {
        throw new IllegalArgumentException("this op asks for " + processes + " processes; this host gives each container at most " + pids);
      }
    }
    return new Limits(memory, cpus, processes);
  }

  /** Applies the limits, the security option and the capabilities to a container's host configuration. */
  HostConfig apply(HostConfig host, Limits limits) {
    return host
        .withMemory(limits.memoryBytes())
        // Swap equal to the memory limit means none: a job over its limit ends, it does not page the host to a halt.
        .withMemorySwap(limits.memoryBytes())
        .withNanoCPUs(limits.nanoCpus())
        .withPidsLimit(limits.pids())
        .withSecurityOpts(List.of(NO_NEW_PRIVILEGES))
        .withCapDrop(Capability.ALL)
        .withCapAdd(KEPT_CAPABILITIES.toArray(Capability[]::new));
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
