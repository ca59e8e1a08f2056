package dev.veil.agent.engine;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import dev.veil.agent.identity.NodeIdentity;
import java.io.Closeable;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Container deaths from the Docker Engine API's {@code GET /events}, which Docker and Podman's
 * compatible socket both serve and which costs the engine nothing while it waits — unlike
 * {@code POST /containers/{id}/wait}, which Podman 4 answers by polling the container's state
 * in a busy loop (a whole core per waiting container).
 */
@Component
class EngineExitSignals implements ExitSignals {

  // Docker names the event "die"; Podman 4's compatible API matches its own name, "died", in the
  // filter (and reports "die"). Each engine ignores the name it does not know.
  private static final String[] DEATH = {"die", "died"};
  // Docker's final states, and Podman's as its compatible API names them.
  private static final Set<String> ENDED = Set.of("exited", "dead", "stopped");

  private final DockerClient docker;
  private final String nodeId;

  @Autowired
  EngineExitSignals(DockerClient docker, NodeIdentity node) {
    this(docker, node.nodeId());
  }

  /** Deaths of the containers labelled {@code dev.veil.node=nodeId}. */
  EngineExitSignals(DockerClient docker, String nodeId) {
    this.docker = docker;
    this.nodeId = nodeId;
  }

  @Override
  public Flux<ContainerSignal> deaths() {
    return Flux.create(sink -> {
      // docker-java streams on a thread of its own and calls onStart once the engine has answered
      // with its headers: from then on every event reaches this callback.
      ResultCallback.Adapter<Event> callback = docker.eventsCmd()
          .withEventTypeFilter(EventType.CONTAINER)
          .withEventFilter(DEATH)
          .withLabelFilter(Map.of(EngineLabels.NODE, nodeId))
          .exec(new ResultCallback.Adapter<>() {
            @Override
            public void onStart(Closeable stream) {
              super.onStart(stream);
              sink.next(new ContainerSignal.Connected());
            }

            @Override
            public void onNext(Event event) {
              String id = event.getId() != null ? event.getId()
                  : event.getActor() == null ? null : event.getActor().getId();
              if (id != null) {
                sink.next(new ContainerSignal.Died(id));
              }
            }

            @Override
            public void onError(Throwable error) {
              sink.error(error);
            }

            @Override
            public void onComplete() {
              sink.complete();
            }
          });
      sink.onDispose(() -> {
        try {
          callback.close();
        } catch (IOException ignored) {
          // the stream is gone either way
        }
      });
    }, FluxSink.OverflowStrategy.BUFFER);
  }

  @Override
  public Mono<Integer> exitCode(String containerId) {
    // docker-java blocks: the inspection runs on the bounded-elastic scheduler.
    return Mono.fromCallable(() -> {
      var state = docker.inspectContainerCmd(containerId).exec().getState();
      // Ended only in a final state: a container being stopped (or paused) is not running either.
      boolean ended = !Boolean.TRUE.equals(state.getRunning()) && !Boolean.TRUE.equals(state.getRestarting())
          && ENDED.contains(state.getStatus());
      return ended ? Objects.requireNonNullElse(state.getExitCodeLong(), -1L) : null;
    }).subscribeOn(Schedulers.boundedElastic())
        .map(Long::intValue)
        .onErrorMap(NotFoundException.class, gone -> new ContainerGoneException(containerId));
  }
}
