package dev.veil.testsupport.fuzz;

import dev.veil.model.auth.NodeRequestSignature;
import dev.veil.testsupport.fuzz.Endpoint.Credential;
import java.security.KeyPair;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Requests to one service: mostly to its real routes (right or wrong method, IDs good and bad,
 * credentials valid, garbage or missing, bodies mutated from good ones), the rest to paths it
 * does not serve. A credentialed request carries a credential the service really accepts (a live
 * session, a correct node signature over the very request sent, the service token), so what
 * lies behind the authentication check is reached too.
 */
public final class ServiceRequests implements Gen<FuzzRequest> {

  private static final List<String> PATH_WORDS = List.of("v1", "v2", "v3", "api-docs", "actuator", "health", "prometheus",
      "metrics", "info", "env", "heapdump", "sessions", "challenges", "validate", "current", "jobs", "results", "nodes", "self",
      "claims", "events", "stop", "heartbeat", "result", "job-definition", "job-result", "service", "url", "node", "error");
  private static final List<String> EXTRA_HEADERS = List.of("Origin", "Cookie", "Range", "If-None-Match", "If-Modified-Since",
      "X-HTTP-Method-Override", "Forwarded", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Port", "Accept-Encoding",
      "Accept-Charset", "Accept-Language", "Expect", "Authorization", "X-Request-Id", "Referer", "User-Agent", "Prefer",
      "Access-Control-Request-Method", "Access-Control-Request-Headers", "Content-Encoding", "Content-Language");

  private final List<Endpoint> endpoints;
  private Supplier<String> session = () -> null;
  private KeyPair nodeKey;
  private String audience;
  private String serviceToken;
  private Supplier<List<String>> knownIds = List::of;
  private List<String> queryNames = List.of();
  private Gen<List<Map.Entry<String, String>>> extraHeaders = pick -> List.of();

  private ServiceRequests(List<Endpoint> endpoints) {
    this.endpoints = List.copyOf(endpoints);
  }

  public static ServiceRequests to(List<Endpoint> endpoints) {
    return new ServiceRequests(endpoints);
  }

  /** A live session ID, asked for on every request that presents a valid one. */
  public ServiceRequests sessions(Supplier<String> liveSession) {
    this.session = liveSession;
    return this;
  }

  /** Signs node-signed requests with {@code key} for {@code audience} (the service's name in the signed text). */
  public ServiceRequests nodeKey(KeyPair key, String signedAudience) {
    this.nodeKey = key;
    this.audience = signedAudience;
    return this;
  }

  public ServiceRequests serviceToken(String token) {
    this.serviceToken = token;
    return this;
  }

  /** IDs that exist in the service (jobs, results, session handles), used in paths and bodies beside made-up ones. */
  public ServiceRequests knownIds(Supplier<List<String>> ids) {
    this.knownIds = ids;
    return this;
  }

  public ServiceRequests queryNames(String... names) {
    this.queryNames = List.of(names);
    return this;
  }

  /** Headers this service cares about beyond the usual (the gateway's Host), added to every request. */
  public ServiceRequests extraHeaders(Gen<List<Map.Entry<String, String>>> headers) {
    this.extraHeaders = headers;
    return this;
  }

  @Override
  public FuzzRequest generate(Pick pick) {
    List<String> known = knownIds.get();
    Endpoint endpoint = pick.percent(85) ? pick.element(endpoints) : null;
    String method = endpoint != null && pick.percent(80) ? endpoint.method() : HttpParts.method(pick);
    String target = (endpoint == null ? randomPath(pick, known) : filled(pick, endpoint.path(), known))
        + HttpParts.query(pick, queryNames);
    byte[] body = body(pick, method, endpoint);

    List<Map.Entry<String, String>> headers = new ArrayList<>(extraHeaders.generate(pick));
    Credential credential = endpoint == null || endpoint.credentials().isEmpty() || pick.percent(35) ? null
        : pick.element(new ArrayList<>(endpoint.credentials()));
    boolean valid = credential != null && credentialHeaders(pick, credential, method, target, body, headers);
    if (credential != Credential.SESSION && pick.percent(15)) {
      headers.add(Map.entry("x-session-id", pick.percent(50) ? session() : HttpParts.garbageValue(pick)));
    }
    if (credential != Credential.NODE_SIGNATURE && pick.percent(10)) {
      garbageSignature(pick, headers);
    }
    if (body != null ? pick.percent(90) : pick.percent(10)) {
      headers.add(Map.entry("Content-Type", HttpParts.contentType(pick)));
    }
    if (pick.percent(50)) {
      headers.add(Map.entry("Accept", HttpParts.accept(pick)));
    }
    if (pick.percent(15)) {
      headers.add(Map.entry("X-Forwarded-For", pick.oneOf(
          p -> p.element("203.0.113.7", "::1", "198.51.100.9, 10.0.0.1", "unknown", "", ",", "1.2.3.4:80", "[::1]:8080",
              "999.999.999.999", "203.0.113.7, 203.0.113.7, 203.0.113.7, 203.0.113.7, 203.0.113.7"),
          HttpParts::garbageValue)));
    }
    if (pick.percent(10)) {
      headers.add(Map.entry(pick.element(EXTRA_HEADERS), HttpParts.garbageValue(pick)));
    }
    if (pick.percent(3)) {
      headers.add(Map.entry(pick.string(HttpParts.BASE58 + "-_", pick.between(1, 40)), HttpParts.garbageValue(pick)));
    }
    String route = (endpoint == null ? "(no route)" : method + " " + endpoint.path()) + (valid ? " [" + credential + "]" : "");
    return new FuzzRequest(method, target, headers, body, route);
  }

  private String session() {
    String live = session.get();
    return live == null ? "" : live;
  }

  /** Adds a credential of kind {@code credential}: valid (answers true), garbage, or none. */
  private boolean credentialHeaders(Pick pick, Credential credential, String method, String target, byte[] body,
      List<Map.Entry<String, String>> headers) {
    int how = pick.between(0, 99);
    switch (credential) {
      case SESSION -> {
        if (how < 70) {
          headers.add(Map.entry("x-session-id", session()));
          return true;
        }
        if (how < 90) {
          headers.add(Map.entry("x-session-id", HttpParts.garbageValue(pick)));
        }
      }
      case NODE_SIGNATURE -> {
        if (how < 70 && nodeKey != null) {
          NodeRequestSignature signature = NodeRequestSignature.sign(nodeKey, audience, method, target,
              body == null ? new byte[0] : body, Instant.now());
          signature.headers().forEach((name, value) -> headers.add(Map.entry(name, value)));
          return true;
        }
        if (how < 90) {
          garbageSignature(pick, headers);
        }
      }
      case SERVICE_TOKEN -> {
        if (how < 70 && serviceToken != null) {
          headers.add(Map.entry("Authorization", "Bearer " + serviceToken));
          return true;
        }
        if (how < 90) {
          headers.add(Map.entry("Authorization", pick.oneOf(
              p -> "Bearer " + HttpParts.garbageValue(p), p -> p.element("Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "bearer x"),
              HttpParts::garbageValue)));
        }
      }
      default -> throw new IllegalStateException(credential.name());
    }
    return false;
  }

  private void garbageSignature(Pick pick, List<Map.Entry<String, String>> headers) {
    String[] names = {NodeRequestSignature.NODE_HEADER, NodeRequestSignature.TIMESTAMP_HEADER, NodeRequestSignature.NONCE_HEADER,
        NodeRequestSignature.SIGNATURE_HEADER};
    NodeRequestSignature real = nodeKey == null ? null
        : NodeRequestSignature.sign(nodeKey, audience == null ? "x" : audience, "GET", "/", new byte[0], Instant.now());
    for (String name : names) {
      if (pick.percent(75)) {
        String value = real != null && pick.percent(40) ? real.headers().get(name) : HttpParts.garbageValue(pick);
        headers.add(Map.entry(name, value));
      }
    }
  }

  private static byte[] body(Pick pick, String method, Endpoint endpoint) {
    boolean takesBody = method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
    if (takesBody ? pick.percent(8) : !pick.percent(8)) {
      return null;
    }
    List<String> seeds = endpoint == null ? List.of() : endpoint.bodySeeds().get();
    return JsonMutator.mutate(pick, seeds.isEmpty() ? List.of("{}", "{\"a\": [1, \"b\", null]}") : seeds);
  }

  private static String filled(Pick pick, String template, List<String> known) {
    StringBuilder out = new StringBuilder();
    for (String part : template.split("/", -1)) {
      if (!out.isEmpty() || !part.isEmpty()) {
        out.append('/');
      }
      out.append(part.startsWith("{") ? HttpParts.segment(pick, known) : part);
    }
    if (pick.oneIn(25)) {
      out.append(pick.element("/", "//", "/.", "/..", ";x=1", "%2F", "/extra"));
    }
    return out.toString();
  }

  private static String randomPath(Pick pick, List<String> known) {
    if (pick.oneIn(10)) {
      return pick.element("*", "http://example.org/v1/jobs", "//v1//sessions", "/V1/SESSIONS", "/v1/./sessions", "/v1/../v1/jobs",
          "/actuator/../v1/sessions", "/v1/sessions%2Fvalidate", "/%2e%2e/%2e%2e/etc/passwd", "/v1/jobs/", "/actuator/env",
          "/actuator/heapdump", "/actuator/shutdown", "/error", "/v3/api-docs/swagger-config", "/actuator/metrics/jvm.memory.used",
          "/actuator/health/liveness", "/actuator/health/x", "/\\..\\..", "/;/v1/jobs", "/v1;/jobs");
    }
    StringBuilder out = new StringBuilder();
    int segments = pick.between(0, 5);
    for (int i = 0; i < segments; i++) {
      out.append('/').append(pick.percent(60) ? pick.element(PATH_WORDS) : HttpParts.segment(pick, known));
    }
    return out.isEmpty() ? "/" : out.toString();
  }

}
