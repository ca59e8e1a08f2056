package dev.veil.agent.run;

import reactor.core.publisher.Mono;

/**
 * What makes an op's exposed ports reachable while it runs, and unreachable before its container
 * is stopped. The executor only asks; how (relays, tunnel forwards, health checks) is the
 * implementation's business.
 */
public interface OpServices {

  /** Exposes the op's ports, if it has any, once its container runs; adds each to {@link OpRun#services()}. */
  Mono<Void> expose(JobExecution execution, OpRun op, String containerId);

  /** Stops checking the op's services and withdraws their routes. */
  Mono<Void> withdraw(OpRun op);
}
