package dev.veil.session.revocation;

import dev.veil.service.problem.ProblemException;
import dev.veil.session.caller.Caller;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;

/**
 * {@code GET /v1/sessions/revocations}: a node-signed host follows this to keep sessions it has
 * validated for a while, and forget them the moment they are revoked. Server-sent events:
 * {@code ping} (every heartbeat), {@code revoked} with {@code data: <handle>} (a session this node
 * validated was revoked), {@code reset} (forget every session). A node hears only of sessions it
 * has validated itself.
 */
@RestController
@Tag(name = "validation")
class RevocationFeedController {

  private final RevocationFeed feed;

  RevocationFeedController(RevocationFeed feed) {
    this.feed = feed;
  }

  @GetMapping(path = "/v1/sessions/revocations", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  @Operation(summary = "Follow revocations of the sessions this node has validated (server-sent events)")
  Flux<ServerSentEvent<String>> follow(@AuthenticationPrincipal Caller caller) {
    if (!(caller instanceof Caller.Node node)) {
      return Flux.error(ProblemException.forbidden("only a node follows the revocation feed"));
    }
    return feed.open(node.nodeId())
        .map(event -> ServerSentEvent.<String>builder().event(event.type()).data(event.handle() == null ? "" : event.handle()).build());
  }
}
