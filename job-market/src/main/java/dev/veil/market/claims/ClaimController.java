package dev.veil.market.claims;

import dev.veil.market.caller.NodeCaller;
import dev.veil.model.market.HeartbeatRequest;
import dev.veil.model.market.HeartbeatResponse;
import dev.veil.model.market.JobRecord;
import dev.veil.model.market.ResultReceipt;
import dev.veil.model.result.FlowState;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.time.Duration;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** What a host does with jobs: claim one, keep its claim alive, publish its result. All node-signed. */
@RestController
@Tag(name = "hosts")
class ClaimController {

  private final JobClaims claims;

  ClaimController(JobClaims claims) {
    this.claims = claims;
  }

  /**
   * Claims the oldest queued job, waiting up to {@code waitSeconds} (long-poll) for one to be
   * posted: 200 with the job, or 204 when none came. The node must be registered.
   */
  @PostMapping("/v1/claims")
  @Operation(summary = "Claim the next queued job (long-poll)")
  Mono<ResponseEntity<JobRecord>> claim(@AuthenticationPrincipal NodeCaller node,
      @RequestParam(defaultValue = "0") int waitSeconds) {
    return claims.claim(node.nodeId(), Duration.ofSeconds(Math.max(0, waitSeconds)))
        .map(ResponseEntity::ok)
        .defaultIfEmpty(ResponseEntity.noContent().build());
  }

  /** Renews this node's claim on the job and reports what it is doing; says whether the owner asked it to stop. */
  @PostMapping("/v1/jobs/{jobId}/heartbeat")
  @Operation(summary = "Renew a claim")
  Mono<HeartbeatResponse> heartbeat(@AuthenticationPrincipal NodeCaller node, @PathVariable String jobId,
      @RequestBody(required = false) HeartbeatRequest request) {
    return claims.heartbeat(node.nodeId(), jobId, request == null ? null : request.hostStatus());
  }

  /**
   * Publishes the job's result to the public store and ends the job. For a job whose template
   * asks for private receive only the empty result (status, times, errors) is accepted.
   */
  @PostMapping("/v1/jobs/{jobId}/result")
  @ResponseStatus(HttpStatus.CREATED)
  @Operation(summary = "Publish a job's result and end it")
  Mono<ResultReceipt> result(@AuthenticationPrincipal NodeCaller node, @PathVariable String jobId,
      @RequestBody FlowState result) {
    return claims.finish(node.nodeId(), jobId, result);
  }
}
