package dev.veil.agent.logs;

import dev.veil.agent.identity.NodeEncryption;
import dev.veil.agent.logistics.HeldJobs;
import dev.veil.agent.logistics.ResultRecipient;
import dev.veil.agent.logistics.SessionCheck;
import dev.veil.model.sealing.SealedLog;
import dev.veil.model.validation.Violation;
import dev.veil.service.problem.ProblemException;
import java.util.List;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * {@code GET /job-logs/{jobId}}: the owner follows the job's log live, and resumes it after the
 * last line it got ({@code Last-Event-ID}, or {@code ?from=}); {@code ?follow=false} gives what
 * exists and ends. Same sessions as the other private endpoints: 401 without a valid one, 404 for
 * a job this session does not own. Nothing of a log is ever logged. A job whose result is sealed
 * to its owner ({@code logistics.receive.args.recipient}) has every event's data sealed to the
 * same key ({@link SealedLog}).
 */
@RestController
class JobLogsController {

  private static final String SESSION = "x-session-id";
  private static final int MAX_NUMBER_DIGITS = 18;

  private final SessionCheck sessions;
  private final HeldJobs jobs;
  private final JobLogStreams streams;
  private final NodeEncryption encryption;

  JobLogsController(SessionCheck sessions, HeldJobs jobs, JobLogStreams streams, NodeEncryption encryption) {
    this.encryption = encryption;
    this.sessions = sessions;
    this.jobs = jobs;
    this.streams = streams;
  }

  @GetMapping("/job-logs/{jobId}")
  Mono<Void> logs(@RequestHeader(name = SESSION, required = false) String sessionId, @PathVariable String jobId,
      @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId,
      @RequestParam(name = "from", required = false) String from,
      @RequestParam(name = "follow", required = false) String follow, ServerHttpResponse response) {
    return sessions.ownedJob(sessionId, jobId, jobs::find).flatMap(job -> {
      long after = after(lastEventId, from);
      boolean following = following(follow);
      // A job whose result is sealed to its owner has its log sealed to the same key.
      byte[] recipient = ResultRecipient.of(job);
      SealedLog.Sealer sealer = recipient == null ? null : sealer(recipient, job.jobId());
      return streams.open(job.jobId(), after, following, () -> jobs.isHeld(job.jobId()), sealer, response.bufferFactory())
          .flatMap(events -> {
            response.getHeaders().setContentType(MediaType.TEXT_EVENT_STREAM);
            response.getHeaders().setCacheControl(CacheControl.noStore());
            // Tells a proxy in front (nginx) not to hold events back.
            response.getHeaders().set("X-Accel-Buffering", "no");
            return response.writeAndFlushWith(events.map(Mono::just));
          });
    });
  }

  private SealedLog.Sealer sealer(byte[] recipient, String jobId) {
    try {
      return encryption.logSealer(recipient, jobId);
    } catch (IllegalArgumentException unusable) {
      throw ProblemException.conflict("the job's recipient key is not a usable X25519 key: its log is handed out "
          + "to no other key, and not in clear");
    }
  }

  // Last-Event-ID wins over ?from= (a browser's EventSource sends the header when it reconnects).
  private static long after(String lastEventId, String from) {
    String given = lastEventId != null && !lastEventId.isBlank() ? lastEventId.strip() : from;
    if (given == null || given.isEmpty()) {
      return 0;
    }
    if (given.length() > MAX_NUMBER_DIGITS || !given.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw ProblemException.invalid(List.of(new Violation(lastEventId != null && !lastEventId.isBlank() ? "Last-Event-ID" : "from",
          "must be the number of a log line (0 or more)")));
    }
    return Long.parseLong(given);
  }

  private static boolean following(String follow) {
    if (follow == null || follow.equals("true") || follow.isEmpty()) {
      return true;
    }
    if (follow.equals("false")) {
      return false;
    }
    throw ProblemException.invalid(List.of(new Violation("follow", "must be true or false")));
  }
}
