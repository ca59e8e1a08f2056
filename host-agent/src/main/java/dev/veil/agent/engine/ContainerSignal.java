package dev.veil.agent.engine;

/** What one connection to the engine's event stream tells {@link ContainerExits}. */
public sealed interface ContainerSignal {

  /** The stream is open: from now on no death is missed, and any before it must be looked up. */
  record Connected() implements ContainerSignal {}

  /** A container of this node stopped running (it may still be restarted by its restart policy). */
  record Died(String containerId) implements ContainerSignal {}
}
