package dev.veil.agent.engine;

import java.util.regex.Pattern;

/**
 * A named volume mounted into a job container. Only volumes the agent made are ever mounted: the
 * source must be a volume name as the engines define one, which can never be read as a host path
 * (a bind mount's source is absolute, {@code /...}, or relative, {@code ./...}).
 *
 * @param volume      the volume's name
 * @param destination absolute path inside the container
 */
public record VolumeBind(String volume, String destination) {

  // Docker's and Podman's rule for volume names: no slash, no leading dot.
  private static final Pattern VOLUME_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");

  public VolumeBind {
    if (volume == null || !VOLUME_NAME.matcher(volume).matches()) {
      throw new IllegalArgumentException("'" + volume + "' is not a volume name: only volumes the job created can be mounted");
    }
    // A colon or comma would be read by the engine as the start of mount options.
    if (destination == null || !destination.startsWith("/") || destination.equals("/")
        || destination.contains(":") || destination.contains(",")) {
      throw new IllegalArgumentException("'" + destination + "' is not a mount destination: it must be an absolute path "
          + "other than / without ':' or ','");
    }
  }
}
