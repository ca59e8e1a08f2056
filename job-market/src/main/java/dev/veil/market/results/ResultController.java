package dev.veil.market.results;

import dev.veil.service.problem.ProblemException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** {@code GET /v1/results/{resultId}}: anyone reads a published result by its content ID. */
@RestController
@Tag(name = "results")
class ResultController {

  private final RedisResultStore results;

  ResultController(RedisResultStore results) {
    this.results = results;
  }

  @GetMapping(path = "/v1/results/{resultId}", produces = MediaType.APPLICATION_JSON_VALUE)
  @Operation(summary = "Read a published result by content ID")
  Mono<String> get(@PathVariable String resultId) {
    return results.get(resultId).switchIfEmpty(Mono.error(() -> ProblemException.notFound("no such result")));
  }
}
