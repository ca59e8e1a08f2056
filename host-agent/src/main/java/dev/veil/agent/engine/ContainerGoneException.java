package dev.veil.agent.engine;

/** The engine has no container of that ID (any more): its exit cannot be learnt. */
public final class ContainerGoneException extends RuntimeException {

  public ContainerGoneException(String containerId) {
    super("container " + containerId.substring(0, Math.min(12, containerId.length())) + " no longer exists");
  }
}
