package dev.veil.market.jobs;

import dev.veil.market.config.MarketProperties;
import dev.veil.market.owner.SessionOwners;
import dev.veil.model.id.RandomIds;
import dev.veil.model.market.JobRecord;
import dev.veil.model.market.JobState;
import dev.veil.model.market.PostJobRequest;
import dev.veil.model.sealing.RecipientKey;
import dev.veil.model.validation.DefinitionRole;
import dev.veil.model.validation.JobDefinitionValidator;
import dev.veil.model.validation.Violation;
import dev.veil.service.problem.ProblemException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Posting, reading, following and stopping jobs. Reading is public; posting and stopping need the owner's session. */
@RestController
@Tag(name = "jobs")
class JobController {

  private final RedisJobStore jobs;
  private final JobEvents events;
  private final SessionOwners owners;
  private final MarketMetrics metrics;
  private final MarketProperties properties;
  private final Clock clock;

  JobController(RedisJobStore jobs, JobEvents events, SessionOwners owners, MarketMetrics metrics,
      MarketProperties properties, Clock clock) {
    this.jobs = jobs;
    this.events = events;
    this.owners = owners;
    this.metrics = metrics;
    this.properties = properties;
    this.clock = clock;
  }

  /**
   * Posts a job. The definition is public as posted: for a private job, post the template with
   * empty ops and {@code logistics.send = api-listen}, and send the real ops to the host. With an
   * {@code Idempotency-Key}, the same post repeated (its answer was lost, or was a 503 after the
   * store took too long) makes the job once and answers it again; the key reused for another post
   * is 422. Keys are the owner's own, kept a day.
   */
  @PostMapping(path = "/v1/jobs", produces = MediaType.APPLICATION_JSON_VALUE)
  @ResponseStatus(HttpStatus.CREATED)
  @Operation(summary = "Post a job (x-session-id)")
  Mono<JobRecord> post(@RequestHeader(name = SessionOwners.HEADER, required = false) String sessionId,
      @RequestHeader(name = PostKey.HEADER, required = false) String idempotencyKey, @RequestBody PostJobRequest request) {
    List<Violation> violations = new ArrayList<>();
    PostKey postKey = null;
    try {
      postKey = PostKey.of(idempotencyKey);
    } catch (IllegalArgumentException unusable) {
      violations.add(new Violation("/headers/" + PostKey.HEADER, unusable.getMessage()));
    }
    PostKey post = postKey;
    if (request.definition() == null) {
      violations.add(new Violation("/definition", "is required"));
    } else {
      JobDefinitionValidator.validate(request.definition(), DefinitionRole.POSTED)
          .forEach(v -> violations.add(new Violation("/definition" + v.path(), v.message())));
    }
    long maxSeconds = properties.maxJobTimeout().toSeconds();
    if (request.timeoutSeconds() != null && (request.timeoutSeconds() < 1 || request.timeoutSeconds() > maxSeconds)) {
      violations.add(new Violation("/timeoutSeconds", "must be between 1 and " + maxSeconds));
    }
    // The session is checked first: an anonymous caller learns nothing, not even what is wrong with its body.
    return owners.ownerOf(sessionId, null).flatMap(owner -> {
      RecipientKey recipient = request.definition() == null ? null : request.definition().resultRecipient();
      if (violations.isEmpty() && recipient != null && recipient.verifiedFor(owner).isEmpty()) {
        // Else a host would seal the result to a key its owner never named; the host checks it again.
        violations.add(new Violation("/definition/logistics/receive/args/recipient/signature",
            "is not this key's signature of the recipient key (\"veil owner encryption key v1\\n\" + owner + \"\\n\" + publicKey)"));
      }
      if (!violations.isEmpty()) {
        return Mono.error(ProblemException.invalid(violations));
      }
      long timeout = request.timeoutSeconds() == null ? properties.defaultJobTimeout().toSeconds() : request.timeoutSeconds();
      JobRecord job = new JobRecord(RandomIds.next(), owner, JobState.QUEUED, request.definition(), timeout,
          clock.millis(), null, null, null, null, null, null);
      return jobs.create(job, post).flatMap(created -> {
        if (created == RedisJobStore.Created.NEW) {
          return Mono.fromRunnable(metrics::posted).thenReturn(job);
        }
        if (created == RedisJobStore.Created.QUOTA_FULL) {
          return Mono.<JobRecord>error(ProblemException.rateLimited("this key has " + jobs.maxQueuedPerOwner()
              + " jobs waiting in the queue, the most it may: stop some or wait until hosts claim them",
              Duration.ofMinutes(1)));
        }
        if (!created.sameAsEarlier()) {
          return Mono.<JobRecord>error(ProblemException.unprocessable(
              "this Idempotency-Key was used for another post in the last 24 hours: use a new key for a new job"));
        }
        // The same post again: the job it made then, as it is now.
        return find(created.earlierJobId());
      });
    });
  }

  /** The public record of a job. */
  @GetMapping(path = "/v1/jobs/{jobId}", produces = MediaType.APPLICATION_JSON_VALUE)
  @Operation(summary = "Read a job's public record")
  Mono<JobRecord> get(@PathVariable String jobId) {
    return find(jobId);
  }

  /** The job's record now and at every change, as server-sent events, until it is final. */
  @GetMapping(path = "/v1/jobs/{jobId}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  @Operation(summary = "Follow a job's state (server-sent events)")
  Flux<ServerSentEvent<JobRecord>> follow(@PathVariable String jobId) {
    return find(jobId).thenMany(events.follow(jobId));
  }

  /**
   * Stops a job: a queued one at once, a running one when its host next hears of it (the host
   * then publishes its result and the job ends STOPPED). 409 for a job already finished.
   */
  @PostMapping("/v1/jobs/{jobId}/stop")
  @Operation(summary = "Stop a job (x-session-id of its owner)")
  Mono<JobRecord> stop(@RequestHeader(name = SessionOwners.HEADER, required = false) String sessionId,
      @PathVariable String jobId) {
    return owners.ownerOf(sessionId, RandomIds.isWellFormed(jobId) ? jobId : null)
        .flatMap(owner -> find(jobId).filter(job -> job.owner().equals(owner)))
        // Someone else's job answers exactly as a job that does not exist.
        .switchIfEmpty(Mono.error(() -> ProblemException.notFound("no such job")))
        .flatMap(job -> jobs.stop(jobId, job.owner(), clock.millis()))
        .flatMap(outcome -> outcome == RedisJobStore.StopOutcome.ALREADY_FINISHED
            ? Mono.error(ProblemException.conflict("the job has already finished"))
            : find(jobId));
  }

  private Mono<JobRecord> find(String jobId) {
    return (RandomIds.isWellFormed(jobId) ? jobs.find(jobId) : Mono.<JobRecord>empty())
        .switchIfEmpty(Mono.error(() -> ProblemException.notFound("no such job")));
  }
}
