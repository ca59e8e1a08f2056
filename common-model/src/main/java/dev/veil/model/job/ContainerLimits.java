package dev.veil.model.job;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Less than the host's limits, asked for by an op ({@code args.limits}): any of memory (swap
 * included), CPUs and processes. A host gives each container at most its own limits; an op that
 * asks for more than a host gives fails there, saying so, rather than run with less than it asked.
 *
 * @param memory as the Docker CLI writes it: a number, fractions allowed, with an optional unit
 *               {@code b}, {@code k}, {@code m}, {@code g} or {@code t} (binary: {@code 512m} is 512 MiB,
 *               {@code 1.5g} 1.5 GiB; {@code mb} and {@code mib} read as {@code m}), at least {@code 6m}
 * @param cpus   CPUs, fractions allowed ({@code 0.5} is half a core)
 * @param pids   processes and threads at once
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ContainerLimits(String memory, Double cpus, Long pids) {

  /** The engines refuse a container limited to less than 6 MiB. */
  public static final long MIN_MEMORY_BYTES = 6L * 1024 * 1024;
  public static final double MAX_CPUS = 1024;

  private static final Pattern MEMORY = Pattern.compile("(\\d{1,15}(?:\\.\\d{1,9})?)(?:([kmgt])(?:i?b)?|b)?");

  /**
   * The memory in bytes (a fraction of a byte dropped); empty when none is asked for, or when it
   * is not a size (the validator says so).
   */
  @JsonIgnore
  public OptionalLong memoryBytes() {
    if (memory == null) {
      return OptionalLong.empty();
    }
    Matcher m = MEMORY.matcher(memory.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      return OptionalLong.empty();
    }
    int shift = m.group(2) == null ? 0 : switch (m.group(2)) {
      case "k" -> 10;
      case "m" -> 20;
      case "g" -> 30;
      default -> 40;
    };
    BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(1L << shift));
    return bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0 ? OptionalLong.empty() : OptionalLong.of(bytes.longValue());
  }
}
