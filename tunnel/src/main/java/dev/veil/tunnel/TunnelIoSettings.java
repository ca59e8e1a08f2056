package dev.veil.tunnel;

import java.time.Duration;
import java.util.List;
import org.apache.sshd.common.FactoryManager;
import org.apache.sshd.common.Property;
import org.apache.sshd.core.CoreModuleProperties;

/**
 * Settings MINA's NIO2 sessions read on every socket read ({@code nio2-read-timeout}) and every
 * write ({@code nio2-min-write-timeout}), held by the SSH client or server itself. Not set there,
 * each look-up fell through to the system properties, building the {@code org.apache.sshd.config.<name>}
 * key string per read and per write: 4 % of the gateway's allocation under load
 * (docs/benchmarks.md, "Gateway"). {@link #hold} sets each to the value such a look-up gives when
 * the manager starts — MINA's default, or the system property that overrides it — so nothing
 * changes but where the value is found.
 */
public final class TunnelIoSettings {

  static final List<Property<Duration>> PER_READ_OR_WRITE =
      List.of(CoreModuleProperties.NIO2_READ_TIMEOUT, CoreModuleProperties.NIO2_MIN_WRITE_TIMEOUT);

  private TunnelIoSettings() {}

  /** Call before {@code start()}: the manager's own settings, if set, are kept. */
  public static void hold(FactoryManager manager) {
    for (Property<Duration> property : PER_READ_OR_WRITE) {
      property.set(manager, property.getRequired(manager));
    }
  }
}
