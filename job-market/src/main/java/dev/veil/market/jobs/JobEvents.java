package dev.veil.market.jobs;

import dev.veil.model.market.JobRecord;
import java.time.Duration;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A job's changes as server-sent events. Subscribes to {@code veil:market:jobs} before reading the
 * record, so no change between the read and the subscription is missed; ends after a final state.
 */
@Component
class JobEvents {

  private final ReactiveRedisMessageListenerContainer listener;
  private final RedisJobStore jobs;

  JobEvents(ReactiveRedisMessageListenerContainer listener, RedisJobStore jobs) {
    this.listener = listener;
    this.jobs = jobs;
  }

  Flux<ServerSentEvent<JobRecord>> follow(String jobId) {
    Flux<JobRecord> changes = listener.receiveLater(ChannelTopic.of(RedisJobStore.JOBS_CHANNEL))
        .flatMapMany(messages -> Flux.concat(
            jobs.find(jobId),
            messages.filter(m -> jobId.equals(m.getMessage())).concatMap(m -> jobs.find(jobId))));
    Flux<ServerSentEvent<JobRecord>> records = changes
        .distinctUntilChanged()
        .takeUntil(job -> job.state().isFinal())
        .map(job -> ServerSentEvent.builder(job).event("job").id(job.state().name()).build());
    // A comment every 15 s keeps proxies from closing a quiet stream.
    Flux<ServerSentEvent<JobRecord>> keepAlive = Flux.interval(Duration.ofSeconds(15)).onBackpressureDrop()
        .map(tick -> ServerSentEvent.<JobRecord>builder().comment("keep-alive").build());
    return records.publish(shared -> Flux.merge(shared, keepAlive.takeUntilOther(shared.then(Mono.just(1)))));
  }
}
