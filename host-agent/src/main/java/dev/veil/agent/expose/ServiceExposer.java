package dev.veil.agent.expose;

import dev.veil.agent.config.AgentProperties;
import dev.veil.agent.engine.ContainerEngine;
import dev.veil.agent.run.ExposedService;
import dev.veil.agent.run.JobExecution;
import dev.veil.agent.run.OpRun;
import dev.veil.agent.run.OpServices;
import dev.veil.agent.support.Periodic;
import dev.veil.agent.tunnel.GatewayTunnel;
import dev.veil.model.id.ExposeIds;
import dev.veil.model.job.ExposedPort;
import dev.veil.model.job.RunOperation;
import dev.veil.model.result.ServiceStatus;
import dev.veil.tunnel.ForwardName;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * Exposes an op's ports: each published on the publish host by a {@link PortRelay} to the
 * container's address on its job network, a service ID per port (the public, derivable one, or a
 * random private one when the op says {@code "private": true}), a forward for it through the
 * agent's tunnel to the gateway, and a health check every {@code health-interval} that keeps its
 * status current. Withdraws the forwards, then closes the relays, when the op ends.
 */
@Component
public class ServiceExposer implements OpServices {

  private final ContainerEngine engine;
  private final GatewayTunnel tunnel;
  private final ServiceHealth health;
  private final AgentProperties properties;
  private final Map<String, ServiceStatus> statuses = new ConcurrentHashMap<>();
  private final Map<String, Disposable> monitors = new ConcurrentHashMap<>();
  private final Map<String, PortRelay> relays = new ConcurrentHashMap<>();
  private final Map<String, ForwardName> forwards = new ConcurrentHashMap<>();

  public ServiceExposer(ContainerEngine engine, GatewayTunnel tunnel, ServiceHealth health, AgentProperties properties) {
    this.engine = engine;
    this.tunnel = tunnel;
    this.health = health;
    this.properties = properties;
  }

  @Override
  public Mono<Void> expose(JobExecution execution, OpRun op, String containerId) {
    RunOperation run = (RunOperation) op.op();
    if (run.args().expose() == null) {
      return Mono.empty();
    }
    List<ExposedPort> ports = run.args().expose().ports();
    boolean isPrivate = run.args().privateExpose();
    boolean ownerOnly = isPrivate && run.args().ownerOnly();
    // A container just started may not have its address on the network yet: asked again, briefly.
    return engine.address(containerId, execution.network())
        .retryWhen(Retry.backoff(5, Duration.ofMillis(200)).maxBackoff(Duration.ofSeconds(2))
            .onRetryExhaustedThrow((spec, signal) -> signal.failure()))
        .flatMapMany(address -> Flux.fromIterable(ports)
            .concatMap(port -> PortRelay.open(properties.publishHost(), address, port.port()).map(relay -> {
              String serviceId = isPrivate ? ExposeIds.privateId() : ExposeIds.publicId(op.index(), port.port(), execution.jobId());
              relays.put(serviceId, relay);
              forwards.put(serviceId, isPrivate ? new ForwardName.PrivateService(execution.jobId(), serviceId, ownerOnly)
                  : new ForwardName.PublicService(execution.jobId(), op.index(), port.port()));
              return new ExposedService(serviceId, op.id(), port, "http://" + properties.publishHost() + ":" + relay.port(),
                  "http://" + address + ":" + port.port(), isPrivate, ownerOnly);
            })))
        .concatMap(service -> {
          op.services().add(service);
          statuses.put(service.serviceId(), ServiceStatus.UNKNOWN);
          monitors.put(service.serviceId(), monitor(service));
          // The gateway refuses a forward it cannot check now (the market slow to say who holds the
          // job): asked again for a few seconds before the op is given up as unreachable.
          // Never again once withdrawn (the op stopped meanwhile): a forward asked for after its
          // withdrawal would be routed to a closed relay, and kept.
          return Mono.defer(() -> {
                ForwardName name = forwards.get(service.serviceId());
                PortRelay relay = relays.get(service.serviceId());
                return name == null || relay == null ? Mono.<Void>empty() : tunnel.forward(name, properties.publishHost(), relay.port());
              })
              .retryWhen(Retry.backoff(5, Duration.ofMillis(500)).maxBackoff(Duration.ofSeconds(5))
                  .onRetryExhaustedThrow((spec, signal) -> signal.failure()));
        })
        .then();
  }

  private Disposable monitor(ExposedService service) {
    return Periodic.every(properties.healthInterval(), () -> health.check(service), error -> { })
        .subscribe(up -> statuses.put(service.serviceId(), up ? ServiceStatus.ONLINE : ServiceStatus.OFFLINE));
  }

  /** The status of a service this agent exposes; UNKNOWN for one it does not. */
  public ServiceStatus status(String serviceId) {
    return statuses.getOrDefault(serviceId, ServiceStatus.UNKNOWN);
  }

  /** The local port a service's relay listens on while it is exposed, where its tunnel forward delivers. */
  public java.util.Optional<Integer> relayPort(String serviceId) {
    return java.util.Optional.ofNullable(relays.get(serviceId)).map(PortRelay::port);
  }

  /** Forgets the statuses of a finished job's services. */
  public void forget(JobExecution execution) {
    execution.ops().forEach(op -> op.services().forEach(service -> statuses.remove(service.serviceId())));
  }

  @Override
  public Mono<Void> withdraw(OpRun op) {
    return Flux.fromIterable(op.services())
        .concatMap(service -> {
          Disposable monitor = monitors.remove(service.serviceId());
          if (monitor != null) {
            monitor.dispose();
          }
          statuses.put(service.serviceId(), ServiceStatus.OFFLINE);
          // The forward goes first, so the gateway stops sending before the relay stops answering.
          ForwardName forward = forwards.remove(service.serviceId());
          Mono<Void> cancel = forward == null ? Mono.empty() : tunnel.cancel(forward);
          return cancel.onErrorComplete().doFinally(signal -> {
            PortRelay relay = relays.remove(service.serviceId());
            if (relay != null) {
              relay.close();
            }
          });
        })
        .then();
  }
}
