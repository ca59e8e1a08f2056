package dev.veil.session.challenge;

import dev.veil.model.auth.Ed25519;
import dev.veil.model.id.RandomIds;
import dev.veil.model.session.ChallengeRequest;
import dev.veil.model.session.ChallengeResponse;
import dev.veil.model.validation.Violation;
import dev.veil.service.problem.ProblemException;
import dev.veil.session.config.SessionProperties;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.time.Clock;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** {@code POST /v1/challenges}: the first step of login. */
@RestController
@Tag(name = "login")
class ChallengeController {

  private final RedisChallengeStore challenges;
  private final SessionProperties properties;
  private final Clock clock;

  ChallengeController(RedisChallengeStore challenges, SessionProperties properties, Clock clock) {
    this.challenges = challenges;
    this.properties = properties;
    this.clock = clock;
  }

  /** Issues a one-time challenge for a client key; sign it and trade it at {@code POST /v1/sessions}. */
  @PostMapping(path = "/v1/challenges", produces = MediaType.APPLICATION_JSON_VALUE)
  @ResponseStatus(HttpStatus.CREATED)
  @Operation(summary = "Issue a one-time login challenge for an Ed25519 public key")
  Mono<ChallengeResponse> issue(@RequestBody ChallengeRequest request) {
    if (request.publicKey() == null || Ed25519.publicKey(request.publicKey()).isEmpty()) {
      return Mono.error(ProblemException.invalid(List.of(
          new Violation("/publicKey", "must be a base58 Ed25519 public key (32 bytes)"))));
    }
    String challenge = RandomIds.next();
    long expiresAt = clock.millis() + properties.challengeTtl().toMillis();
    return challenges
        .save(challenge, new RedisChallengeStore.IssuedChallenge(request.publicKey(), expiresAt), properties.challengeTtl())
        .thenReturn(new ChallengeResponse(challenge, expiresAt));
  }
}
