package dev.veil.agent.run;

import dev.veil.model.job.ExposedPort;

/**
 * One exposed port of a running op. A private service's ID is a secret: this type never prints it.
 *
 * @param serviceId the public (derivable) or private (random) service ID
 * @param opId      the op exposing it
 * @param port      the container port and how to check it
 * @param upstream  where the gateway's tunnel delivers to it: {@code http://<publish host>:<relay port>}, the agent's port relay
 * @param target    where the relay reaches it: {@code http://<container address>:<port>} on the job's network
 * @param isPrivate whether the ID is private
 * @param ownerOnly whether the gateway admits the job's owner only ({@code "access": "owner"})
 */
public record ExposedService(String serviceId, String opId, ExposedPort port, String upstream, String target,
    boolean isPrivate, boolean ownerOnly) {

  @Override
  public String toString() {
    return "ExposedService[" + (isPrivate ? "(private)" : serviceId) + ", op=" + opId + ", port=" + port.port() + "]";
  }
}
