package dev.veil.session.validation;

import dev.veil.model.session.ValidationRequest;
import dev.veil.model.session.ValidationResponse;
import dev.veil.session.caller.Caller;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** {@code POST /v1/sessions/validate}: for host agents (node-signed) and trusted services (token). */
@RestController
@Tag(name = "validation")
class ValidationController {

  private final SessionValidator validator;

  ValidationController(SessionValidator validator) {
    this.validator = validator;
  }

  /**
   * Is this session valid for a request about this job, from this caller? Always 200 with
   * {@code {"valid": true, "owner", "expiresAt"}} or {@code {"valid": false}}; 429 after too many
   * failures; 503 when the store cannot be reached (never a guess).
   */
  @PostMapping("/v1/sessions/validate")
  @Operation(summary = "Validate a session for a job, as a node or a trusted service")
  Mono<ValidationResponse> validate(@AuthenticationPrincipal Caller caller, @RequestBody ValidationRequest request) {
    return validator.validate(caller, request);
  }
}
