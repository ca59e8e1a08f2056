package dev.veil.agent.engine;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** What {@link ContainerExits} needs of the engine; the real one is {@link EngineExitSignals}. */
public interface ExitSignals {

  /**
   * One connection to the engine's event stream: {@link ContainerSignal.Connected} once it is
   * open, then a {@link ContainerSignal.Died} for each of this node's containers that stops. The
   * flux ends, or fails, when the connection does (the engine restarted, say).
   */
  Flux<ContainerSignal> deaths();

  /**
   * The container's exit code if it has ended; empty while it runs or is about to be restarted;
   * {@link ContainerGoneException} if the engine no longer has it.
   */
  Mono<Integer> exitCode(String containerId);
}
