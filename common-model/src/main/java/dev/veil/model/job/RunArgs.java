package dev.veil.model.job;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * Arguments of {@code container/run}.
 *
 * @param image          image to run (falls back to {@code global.image})
 * @param cmd            command: a string runs as {@code /bin/sh -c cmd}; an array as given; {@code []}
 *                       keeps the image's default command
 * @param entrypoint     entrypoint override, string or array
 * @param env            environment variables
 * @param workDir        working directory
 * @param gpu            whether the container gets a GPU
 * @param volumes        volumes created by {@code container/create-volume} ops, and where to mount them
 * @param expose         ports the op serves, in any of the spec's forms
 * @param isPrivate      when true, exposed ports get random, unguessable service IDs
 * @param restartPolicy  engine restart policy, e.g. {@code no} or {@code on-failure}
 * @param requiredVram   GPU memory the op needs, in GB
 * @param resources      resources to fetch before the op runs, kept as given
 * @param limits         less memory, CPU or processes than the host gives each container; null for the host's
 * @param access         {@code "owner"} beside {@code "private": true}: the gateway admits a visitor of the
 *                       private URLs only with a valid session of the job's owner; absent, whoever has the URL
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunArgs(
    String image,
    Command cmd,
    Command entrypoint,
    Map<String, String> env,
    @JsonProperty("work_dir") String workDir,
    Boolean gpu,
    List<VolumeMount> volumes,
    Expose expose,
    @JsonProperty("private") Boolean isPrivate,
    @JsonProperty("restart_policy") String restartPolicy,
    @JsonProperty("required_vram") Double requiredVram,
    List<Map<String, Object>> resources,
    ContainerLimits limits,
    String access) {

  /** The one value of {@code access}: the job's owner only. */
  public static final String OWNER_ACCESS = "owner";

  /** True when the gateway must admit only the job's owner to this op's (private) services. */
  @JsonIgnore
  public boolean ownerOnly() {
    return OWNER_ACCESS.equals(access);
  }

  /** True when this op's exposed ports must get private service IDs. */
  @JsonIgnore
  public boolean privateExpose() {
    return Boolean.TRUE.equals(isPrivate);
  }
}
