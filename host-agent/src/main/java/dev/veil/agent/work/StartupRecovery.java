package dev.veil.agent.work;

import dev.veil.agent.engine.ContainerEngine;
import dev.veil.agent.engine.EngineLabels;
import dev.veil.agent.engine.JobNetworks;
import dev.veil.agent.identity.NodeIdentity;
import dev.veil.agent.market.MarketClient;
import dev.veil.model.market.JobState;
import dev.veil.model.result.FlowState;
import dev.veil.model.result.JobStatus;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * On start, finds what an earlier run of this agent left behind — containers, volumes and
 * networks labelled with this node — removes them, and tells the market: a job this node still holds
 * ends {@code failed} with an error saying the host restarted. Its containers' output is gone
 * with them, so nothing more can honestly be reported; the owner may post the job again.
 */
@Component
class StartupRecovery {

  private static final Logger log = LoggerFactory.getLogger(StartupRecovery.class);
  static final String RESTARTED = "the host restarted while this job ran; its containers were removed";

  private final ContainerEngine engine;
  private final JobNetworks networks;
  private final MarketClient market;
  private final NodeIdentity node;
  private final Clock clock;

  StartupRecovery(ContainerEngine engine, JobNetworks networks, MarketClient market, NodeIdentity node, Clock clock) {
    this.engine = engine;
    this.networks = networks;
    this.market = market;
    this.node = node;
    this.clock = clock;
  }

  Mono<Void> recover() {
    return engine.containersLabelled(EngineLabels.NODE, node.nodeId())
        .flatMap(containers -> {
          List<String> jobs = containers.stream().map(c -> c.getLabels().get(EngineLabels.JOB)).distinct().toList();
          if (!containers.isEmpty()) {
            log.info("found {} container(s) of {} job(s) from an earlier run: removing them", containers.size(), jobs.size());
          }
          return Flux.fromIterable(containers).concatMap(c -> engine.remove(c.getId()))
              .thenMany(engine.volumesLabelled(EngineLabels.NODE, node.nodeId()).flatMapMany(Flux::fromIterable))
              .concatMap(engine::removeVolume)
              // Networks last: the engine keeps one while a container is attached to it.
              .thenMany(networks.labelled(EngineLabels.NODE, node.nodeId()).flatMapMany(Flux::fromIterable))
              .concatMap(networks::remove)
              .thenMany(Flux.fromIterable(jobs))
              .concatMap(this::endOnMarket)
              .then();
        });
  }

  private Mono<Void> endOnMarket(String jobId) {
    return market.job(jobId)
        .filter(job -> job.state() == JobState.RUNNING && node.nodeId().equals(job.nodeId()))
        .flatMap(job -> market.publish(jobId,
            new FlowState(JobStatus.FAILED, job.claimedAt(), clock.millis(), List.of(RESTARTED), List.of())))
        .doOnNext(receipt -> log.info("job {} ended on the market as failed: the host restarted", jobId))
        .onErrorResume(e -> {
          log.warn("could not end job {} on the market: {}", jobId, e.toString());
          return Mono.empty();
        })
        .then();
  }
}
