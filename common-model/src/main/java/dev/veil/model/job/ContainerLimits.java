package dev.veil.model.job;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Less than the host's limits, asked for by an op ({@code args.limits}): any of memory (swap
 * included), CPUs and processes. A host gives each container at most its own limits; an op that
 * asks for more than a host gives fails there, saying so, rather than run with less than it asked.
 *
 * @param memory as the Docker CLI writes it: a number of bytes with an optional unit {@code k},
 *               {@code m} or {@code g} (binary: {@code 512m} is 512 MiB; {@code kb}/{@code mb}/{@code gb}
 *               and {@code kib}/{@code mib}/{@code gib} read the same), at least {@code 6m}
 * @param cpus   CPUs, fractions allowed ({@code 0.5} is half a core)
 * @param pids   processes and threads at once
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ContainerLimits(String memory, Double cpus, Long pids) {

  /** The engines refuse a container limited to less than 6 MiB. */
  public static final long MIN_MEMORY_BYTES = 6L * 1024 * 1024;
  public static final double MAX_CPUS = 1024;

  private static final Pattern MEMORY = Pattern.compile("(\\d{1,19})\\s*([kmg]?)(?:i?b)?");

  /** The memory in bytes; empty when none is asked for, or when it is not a size (the validator says so). */
  @JsonIgnore
  public OptionalLong memoryBytes() {
    if (memory == null) {
      return OptionalLong.empty();
    }
    Matcher m = MEMORY.matcher(memory.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      return OptionalLong.empty();
    }
    int shift = switch (m.group(2)) {
      case "k" -> 10;
      case "m" -> 20;
      case "g" -> 30;
      default -> 0;
    };
    try {
      long value = Long.parseLong(m.group(1));
      return value > (Long.MAX_VALUE >> shift) ? OptionalLong.empty() : OptionalLong.of(value << shift);
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }
}
