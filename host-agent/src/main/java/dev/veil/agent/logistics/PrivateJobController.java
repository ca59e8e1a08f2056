package dev.veil.agent.logistics;

import dev.veil.agent.config.AgentProperties;
import dev.veil.agent.expose.ServiceExposer;
import dev.veil.agent.identity.NodeEncryption;
import dev.veil.agent.run.JobExecution;
import dev.veil.agent.run.RunningJobs;
import dev.veil.model.job.JobDefinition;
import dev.veil.model.job.JobDefinitionRequest;
import dev.veil.model.job.RunArgs;
import dev.veil.model.json.CanonicalJson;
import dev.veil.model.json.MalformedJsonException;
import dev.veil.model.json.VeilJson;
import dev.veil.model.result.DeliveryReceipt;
import dev.veil.model.result.ServiceStatus;
import dev.veil.model.market.JobRecord;
import dev.veil.model.sealing.SealedDefinition;
import dev.veil.model.sealing.SealedResult;
import dev.veil.model.result.ServiceUrl;
import dev.veil.model.result.ServiceUrls;
import dev.veil.model.validation.DefinitionRole;
import dev.veil.model.validation.JobDefinitionValidator;
import dev.veil.model.validation.Violation;
import dev.veil.service.problem.ProblemException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * The three private endpoints of the seed, reached as {@code {nodeId}.node.<domain>}: the owner
 * sends the definition, collects the result once, and reads the private service URLs. Every one
 * checks {@code x-session-id} with session-service first (401), then that its owner owns the job
 * (404 otherwise, like a job this node does not hold). Nothing private is ever logged.
 */
@RestController
class PrivateJobController {

  static final String SESSION = "x-session-id";

  private final SessionCheck sessions;
  private final HeldJobs jobs;
  private final JobDefinitionListener definitions;
  private final ResultVault results;
  private final RunningJobs running;
  private final ServiceExposer exposer;
  private final AgentProperties properties;
  private final NodeEncryption encryption;

  PrivateJobController(SessionCheck sessions, HeldJobs jobs, JobDefinitionListener definitions, ResultVault results,
      RunningJobs running, ServiceExposer exposer, AgentProperties properties, NodeEncryption encryption) {
    this.encryption = encryption;
    this.sessions = sessions;
    this.jobs = jobs;
    this.definitions = definitions;
    this.results = results;
    this.running = running;
    this.exposer = exposer;
    this.properties = properties;
  }

  /**
   * {@code POST /job-definition/{jobId}} with {@code {"jobDefinition": {...}}}: 200 when accepted
   * and the job runs; 400 listing every violation, or when the template commits to another hash;
   * 409 once a definition was accepted.
   */
  @PostMapping(path = "/job-definition/{jobId}", consumes = {MediaType.APPLICATION_JSON_VALUE, SealedDefinition.MEDIA_TYPE},
      produces = MediaType.APPLICATION_JSON_VALUE)
  Mono<Map<String, String>> sendDefinition(@RequestHeader(name = SESSION, required = false) String sessionId,
      @PathVariable String jobId, @RequestBody(required = false) byte[] body, ServerHttpRequest request) {
    if (isSealed(request)) {
      return sendSealedDefinition(sessionId, jobId, body);
    }
    return accept(sessionId, jobId, () -> new Sent(read(body), "/jobDefinition"));
  }

  private static boolean isSealed(ServerHttpRequest request) {
    MediaType type = request.getHeaders().getContentType();
    return type != null && type.isCompatibleWith(SEALED);
  }

  private static final MediaType SEALED = MediaType.parseMediaType(SealedDefinition.MEDIA_TYPE);

  /**
   * {@code POST /job/{jobId}/job-definition}, the route Nosana's nodes use today: the body is the
   * definition itself, or {@code {"jobDefinition": {...}}} as on the seed's route; the same
   * sessions and answers.
   */
  @PostMapping(path = "/job/{jobId}/job-definition", consumes = {MediaType.APPLICATION_JSON_VALUE, SealedDefinition.MEDIA_TYPE},
      produces = MediaType.APPLICATION_JSON_VALUE)
  Mono<Map<String, String>> sendDefinitionNosana(@RequestHeader(name = SESSION, required = false) String sessionId,
      @PathVariable String jobId, @RequestBody(required = false) byte[] body, ServerHttpRequest request) {
    if (isSealed(request)) {
      return sendSealedDefinition(sessionId, jobId, body);
    }
    return accept(sessionId, jobId, () -> isWrapped(body)
        ? new Sent(read(body), "/jobDefinition")
        : new Sent(bare(body), ""));
  }

  /**
   * Either definition route with {@code Content-Type: application/veil.sealed-definition+json}
   * (one handler per route takes both types: two with a body that is not required would both match
   * a request without one):
   * the definition sealed to this node's encryption key for this job (HPKE; see
   * {@link SealedDefinition}); opened here, then taken exactly as a plain one. 400 when it does not
   * open: sealed to another node, for another job, or changed on the way.
   */
  private Mono<Map<String, String>> sendSealedDefinition(String sessionId, String jobId, byte[] body) {
    return accept(sessionId, jobId, () -> {
      SealedDefinition sealed = VeilJson.readStrict(requireBody(body, NO_SEALED), SealedDefinition.class);
      if (sealed == null) {
        throw ProblemException.invalid(List.of(new Violation("", NO_SEALED)));
      }
      byte[] definition = encryption.open(sealed, jobId).orElseThrow(() -> ProblemException.invalid(List.of(new Violation("",
          "the sealed definition does not open with this node's key for this job: it was sealed to another node or for "
              + "another job, or changed on the way"))));
      try {
        JobDefinition opened = VeilJson.readStrict(definition, JobDefinition.class);
        if (opened == null) {
          throw ProblemException.invalid(List.of(new Violation("", OPENED_INVALID)));
        }
        return new Sent(opened, "", true);
      } catch (MalformedJsonException e) {
        // What the parser would quote is what was sealed: the answer travels in clear, so it says nothing of it.
        throw ProblemException.invalid(List.of(new Violation("", OPENED_INVALID)));
      }
    });
  }

  private static final String NO_SEALED = "a body, the sealed definition, is required";
  private static final String OPENED_INVALID = "the sealed definition opened, but is not a valid job definition (what is wrong "
      + "is not said: the answer travels in clear; check it with the same definition sent plain to a test job)";
  private static final String NO_DEFINITION = "a body, the job definition, is required";
  private static final String NO_REQUEST = "a body {\"jobDefinition\": {...}} is required";

  /**
   * A definition as sent, and where its fields are in the body (for violations' pointers);
   * {@code sealed}: it came sealed, so no answer may repeat any of it.
   */
  private record Sent(JobDefinition definition, String pointer, boolean sealed) {

    Sent(JobDefinition definition, String pointer) {
      this(definition, pointer, false);
    }
  }

  private Mono<Map<String, String>> accept(String sessionId, String jobId, Supplier<Sent> sent) {
    return sessions.ownedJob(sessionId, jobId, jobs::find).map(job -> {
      if (!job.definition().sendsDefinitionPrivately()) {
        throw ProblemException.conflict("this job's definition is public: it takes no private definition");
      }
      if (!definitions.isWaiting(job.jobId())) {
        throw ProblemException.conflict("this job is not waiting for a definition: one was already received");
      }
      Sent body = sent.get();
      JobDefinition definition = body.definition();
      List<Violation> violations = new ArrayList<>();
      JobDefinitionValidator.validate(definition, DefinitionRole.PRIVATE_DEFINITION)
          .forEach(v -> violations.add(new Violation(body.pointer() + v.path(), v.message())));
      String committed = job.definition().logistics().send().args() == null ? null
          : job.definition().logistics().send().args().hash();
      if (violations.isEmpty() && committed != null && !MessageDigest.isEqual(
          committed.getBytes(StandardCharsets.US_ASCII), CanonicalJson.sha256(definition).getBytes(StandardCharsets.US_ASCII))) {
        violations.add(new Violation(body.pointer().isEmpty() ? "/" : body.pointer(),
            "does not match the hash the posted template commits to (logistics.send.args.hash)"));
      }
      if (!violations.isEmpty()) {
        // Violations quote paths and values of the definition: not of a sealed one.
        throw ProblemException.invalid(body.sealed() ? List.of(new Violation("", OPENED_INVALID)) : violations);
      }
      definitions.offer(job.jobId(), definition);
      Map<String, String> ack = new LinkedHashMap<>();
      ack.put("jobId", job.jobId());
      ack.put("status", "accepted");
      return ack;
    });
  }

  private static byte[] requireBody(byte[] body, String missing) {
    if (body == null || body.length == 0) {
      throw ProblemException.invalid(List.of(new Violation("", missing)));
    }
    return body;
  }

  /** Whether a body is {@code {"jobDefinition": ...}} and nothing else, rather than a definition itself. */
  private static boolean isWrapped(byte[] body) {
    JsonNode tree = VeilJson.readStrict(requireBody(body, NO_DEFINITION), JsonNode.class);
    return tree.isObject() && tree.size() == 1 && tree.has("jobDefinition");
  }

  private static JobDefinition bare(byte[] body) {
    JobDefinition definition = VeilJson.readStrict(requireBody(body, NO_DEFINITION), JobDefinition.class);
    if (definition == null) {
      throw ProblemException.invalid(List.of(new Violation("", NO_DEFINITION)));
    }
    return definition;
  }

  private static JobDefinition read(byte[] body) {
    JobDefinitionRequest request = VeilJson.readStrict(requireBody(body, NO_REQUEST), JobDefinitionRequest.class);
    if (request == null || request.jobDefinition() == null) {
      throw ProblemException.invalid(List.of(new Violation("/jobDefinition", "is required")));
    }
    return request.jobDefinition();
  }

  /**
   * {@code GET /job-result/{jobId}} (and Nosana's {@code GET /job/{jobId}/results}): the full result, once; 409 with {@code Retry-After} before
   * the ops finish; 410 after it was collected or discarded. Sealed to the owner's key
   * ({@value SealedResult#MEDIA_TYPE}) when the template names one.
   */
  @GetMapping(path = {"/job-result/{jobId}", "/job/{jobId}/results"},
      produces = {MediaType.APPLICATION_JSON_VALUE, SealedResult.MEDIA_TYPE})
  Mono<Void> collectResult(@RequestHeader(name = SESSION, required = false) String sessionId, @PathVariable String jobId,
      ServerHttpRequest request, ServerHttpResponse response) {
    return sessions.ownedJob(sessionId, jobId, jobs::find).flatMap(job -> {
      if (!results.knows(job.jobId()) && !job.definition().receivesResultPrivately()) {
        return Mono.error(ProblemException.notFound("this job's result is public: read it on the market"));
      }
      SealedResult.Writer sealTo = sealTo(job);
      // HEAD answers as GET would, but takes nothing: a result is collected once, by a GET.
      boolean receipt = DeliveryReceipt.REQUESTED.equals(request.getHeaders().getFirst(DeliveryReceipt.REQUEST_HEADER));
      return request.getMethod() == HttpMethod.HEAD ? results.peek(job.jobId())
          : results.deliver(job.jobId(), sealTo, receipt, response);
    });
  }

  /**
   * {@code POST /job-result/{jobId}/receipt} with {@value DeliveryReceipt#TOKEN_HEADER}: the
   * gateway that relayed the result says its owner's connection took the last byte
   * ({@link DeliveryReceipt}); 204, and the result is collected. The token is the proof, so no
   * session is asked for; any other token, job or state is a 404 that says nothing more.
   */
  @PostMapping(path = "/job-result/{jobId}/receipt")
  Mono<ResponseEntity<Void>> receipt(@RequestHeader(name = DeliveryReceipt.TOKEN_HEADER, required = false) String token,
      @PathVariable String jobId) {
    return Mono.fromSupplier(() -> {
      if (!results.receipt(jobId, token)) {
        throw ProblemException.notFound("no delivery of this job's result waits for this receipt");
      }
      return ResponseEntity.noContent().build();
    });
  }

  // What seals the job's result to its owner, when its template names a recipient key; else null.
  private SealedResult.Writer sealTo(JobRecord job) {
    byte[] key = ResultRecipient.of(job);
    if (key == null) {
      return null;
    }
    try {
      return encryption.resultWriter(key, job.jobId());
    } catch (IllegalArgumentException unusable) {
      throw ProblemException.conflict("the job's recipient key is not a usable X25519 key: its result is handed out "
          + "to no other key, and not in clear");
    }
  }

  /**
   * {@code POST /job/{jobId}/stop}, Nosana's route: the owner stops the job at the host, as a stop
   * through the market would: its containers get SIGTERM, then SIGKILL after the grace period, and
   * its result says it was stopped by its owner. 409 once its run is over.
   */
  @PostMapping(path = "/job/{jobId}/stop", produces = MediaType.APPLICATION_JSON_VALUE)
  Mono<Map<String, String>> stop(@RequestHeader(name = SESSION, required = false) String sessionId, @PathVariable String jobId) {
    return sessions.ownedJob(sessionId, jobId, jobs::find).map(job -> {
      if (!jobs.stop(job.jobId())) {
        throw ProblemException.conflict("this job's run is over: there is nothing left to stop");
      }
      Map<String, String> ack = new LinkedHashMap<>();
      ack.put("jobId", job.jobId());
      ack.put("status", "stopping");
      return ack;
    });
  }

  /** {@code GET /service/url/{jobId}} (and Nosana's {@code GET /job/{jobId}/endpoints}): the job's exposed services, private ones included, and whether they answer. */
  @GetMapping(path = {"/service/url/{jobId}", "/job/{jobId}/endpoints"}, produces = MediaType.APPLICATION_JSON_VALUE)
  Mono<ServiceUrls> serviceUrls(@RequestHeader(name = SESSION, required = false) String sessionId, @PathVariable String jobId) {
    return sessions.ownedJob(sessionId, jobId, jobs::find).map(job -> {
      JobExecution execution = running.get(job.jobId()).orElse(null);
      Map<String, ServiceUrl> urls = new LinkedHashMap<>();
      List<ServiceStatus> statuses = new ArrayList<>();
      if (execution != null) {
        execution.ops().forEach(op -> op.services().forEach(service -> {
          ServiceStatus status = exposer.status(service.serviceId());
          statuses.add(status);
          urls.put(service.serviceId(), new ServiceUrl(service.opId(), service.port().port(),
              String.format(properties.serviceUrlFormat(), service.serviceId()), status,
              service.ownerOnly() ? RunArgs.OWNER_ACCESS : null));
        }));
      }
      return new ServiceUrls(urls, overall(statuses));
    });
  }

  private static ServiceStatus overall(List<ServiceStatus> statuses) {
    if (statuses.isEmpty() || statuses.contains(ServiceStatus.UNKNOWN)) {
      return statuses.contains(ServiceStatus.OFFLINE) ? ServiceStatus.OFFLINE : ServiceStatus.UNKNOWN;
    }
    return statuses.stream().allMatch(s -> s == ServiceStatus.ONLINE) ? ServiceStatus.ONLINE : ServiceStatus.OFFLINE;
  }

}
