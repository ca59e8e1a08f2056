package dev.veil.service.node;

import dev.veil.model.auth.NodeRequestSignature;
import dev.veil.service.problem.ProblemException;
import java.time.Clock;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Proves which node sent a request: the signature must match the node ID, this service's
 * audience, the method, the raw path and query and the body; the timestamp must be within the
 * skew; and the nonce must be new. Answers the node ID, or a 401 {@link ProblemException} saying why.
 * A store failure propagates (503): an unverifiable request is never let through.
 */
public class NodeRequestAuthenticator {

  private final NodeAuthProperties properties;
  private final RedisNonceStore nonces;
  private final Clock clock;

  public NodeRequestAuthenticator(NodeAuthProperties properties, RedisNonceStore nonces, Clock clock) {
    this.properties = properties;
    this.nonces = nonces;
    this.clock = clock;
  }

  /** True when the request claims to be node-signed (carries any of the signature headers). */
  public static boolean claimsNodeSignature(ServerWebExchange exchange) {
    return NodeRequestSignature.isPresent(exchange.getRequest().getHeaders()::getFirst);
  }

  /** The node that signed this exchange's request; its body must have been cached by {@link CachedBodyFilter}. */
  public Mono<String> authenticate(ServerWebExchange exchange) {
    ServerHttpRequest request = exchange.getRequest();
    NodeRequestSignature signature = NodeRequestSignature.fromHeaders(request.getHeaders()::getFirst).orElse(null);
    if (signature == null) {
      return Mono.error(ProblemException.denied("node signature headers are incomplete or malformed"));
    }
    byte[] body = exchange.getAttributeOrDefault(CachedBodyFilter.BODY, new byte[0]);
    String query = request.getURI().getRawQuery();
    String pathAndQuery = request.getURI().getRawPath() + (query == null ? "" : "?" + query);
    NodeRequestSignature.Verdict verdict = signature.verify(properties.audience(), request.getMethod().name(),
        pathAndQuery, body, clock.instant(), properties.skew());
    if (verdict != NodeRequestSignature.Verdict.VALID) {
      return Mono.error(ProblemException.denied(switch (verdict) {
        case STALE -> "node signature timestamp is outside the allowed clock skew";
        case MALFORMED -> "node ID or signature is malformed";
        default -> "node signature does not match the request";
      }));
    }
    return nonces.claim(signature.nodeId(), signature.nonce(), properties.skew().multipliedBy(2))
        .filter(Boolean::booleanValue)
        .map(first -> signature.nodeId())
        .switchIfEmpty(Mono.error(() -> ProblemException.denied("node signature was already used (replay)")));
  }
}
