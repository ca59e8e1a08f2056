package dev.veil.agent.engine;

import java.util.List;
import java.util.Map;

/**
 * Everything needed to create one container.
 *
 * @param image          image reference
 * @param cmd            argument vector, or null for the image's default command
 * @param entrypoint     entrypoint, or null for the image's
 * @param env            {@code NAME=value} entries
 * @param workDir        working directory, or null
 * @param volumes        named volumes the job made, and where they are mounted
 * @param network        the job's network
 * @param ports          container ports the op exposes (declared only: the agent relays them)
 * @param labels         labels
 * @param restartPolicy  engine restart policy, or null
 * @param gpu            request all GPUs
 * @param limits         memory, CPU and process limits ({@link ContainerConfinement#limitsFor})
 */
public record ContainerSpec(String image, List<String> cmd, List<String> entrypoint, List<String> env, String workDir,
    List<VolumeBind> volumes, String network, List<Integer> ports, Map<String, String> labels, String restartPolicy, boolean gpu,
    ContainerConfinement.Limits limits) {}
