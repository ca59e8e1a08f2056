package dev.veil.gateway;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import dev.veil.testsupport.SilentServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * Real HTTP servers on loopback standing in for an agent, an exposed service (which also answers
 * the market's {@code GET /v1/jobs/{id}}), and what must never be reached.
 */
final class Upstreams implements AutoCloseable {

  static final int MIB = 1024 * 1024;

  /** An agent: echoes what it received, counts and hashes uploaded bodies. */
  final DisposableServer agent;
  /** An exposed service: a page, a WebSocket echo, a large streamed download. */
  final DisposableServer service;
  /** Not in the registry: any request reaching it is a routing hole. */
  final DisposableServer secret;
  final AtomicInteger secretHits = new AtomicInteger();
  /** Accepts connections and never answers. */
  final SilentServer hanging;
  /** The market stand-in's jobs: job ID → the node running it (what {@code GET /v1/jobs/{id}} answers). */
  final Map<String, String> runningJobs = new ConcurrentHashMap<>();
  /** The market stand-in's job owners, job ID → owner (else {@code "o"}). */
  final Map<String, String> jobOwners = new ConcurrentHashMap<>();
  /** The agent's private results: job ID → the {@code x-veil-receipt} header its result was asked for with. */
  final Map<String, String> receiptsAsked = new ConcurrentHashMap<>();
  /** The agent's private results: job ID → receipts a gateway tried to send. */
  final Map<String, AtomicInteger> receiptAttempts = new ConcurrentHashMap<>();
  /** The agent's private results: job ID → the receipt token a gateway sent back. */
  final Map<String, String> receipts = new ConcurrentHashMap<>();
  /** Bytes the agent received on its last upload. */
  final AtomicLong lastUploadBytes = new AtomicLong(-1);

  Upstreams() throws IOException {
    agent = HttpServer.create().host("127.0.0.1").port(0)
        .route(routes -> routes
            // Every header the agent received, "name: value" a line, sorted (names lower-cased).
            .route(request -> request.uri().endsWith("/echo-headers"), (request, response) -> response.sendString(Mono.just(
                request.requestHeaders().entries().stream()
                    .map(header -> header.getKey().toLowerCase(java.util.Locale.ROOT) + ": " + header.getValue())
                    .sorted().collect(java.util.stream.Collectors.joining("\n")))))
            .post("/upload", (request, response) -> {
              MessageDigest sha = sha256();
              AtomicLong bytes = new AtomicLong();
              return response.sendString(request.receive().asByteArray()
                  .doOnNext(chunk -> {
                    bytes.addAndGet(chunk.length);
                    sha.update(chunk);
                  })
                  .doOnComplete(() -> lastUploadBytes.set(bytes.get()))
                  .then(Mono.fromSupplier(() -> bytes.get() + " " + HexFormat.of().formatHex(sha.digest()))));
            })
            // A private result of <mib> MiB for job "r-<mib>-<name>", with a receipt token when asked for one.
            .route(request -> request.method() == io.netty.handler.codec.http.HttpMethod.GET
                && request.uri().startsWith("/job-result/r-"), (request, response) -> {
              String jobId = request.uri().substring("/job-result/".length());
              String asked = request.requestHeaders().get("x-veil-receipt");
              receiptsAsked.put(jobId, String.valueOf(asked));
              if ("requested".equals(asked)) {
                response.header("x-veil-receipt-token", "token-of-" + jobId);
              }
              return response.send(Flux.range(0, Integer.parseInt(jobId.split("-")[1]))
                  .map(i -> (ByteBuf) Unpooled.wrappedBuffer(new byte[MIB])));
            })
            .post("/job-result/{jobId}/receipt", (request, response) -> {
              String jobId = request.param("jobId");
              // A job named "...-flaky" cannot take its first receipt: the gateway must send it again.
              if (receiptAttempts.computeIfAbsent(jobId, j -> new AtomicInteger()).incrementAndGet() == 1 && jobId.endsWith("-flaky")) {
                return response.status(503).send();
              }
              receipts.put(jobId, String.valueOf(request.requestHeaders().get("x-veil-receipt-token")));
              return response.status(204).send();
            })
            .route(request -> true, (request, response) -> response
                .header("x-agent-saw-host", String.valueOf(request.requestHeaders().get("host")))
                .sendString(request.receive().aggregate().asString(StandardCharsets.UTF_8).defaultIfEmpty("")
                    .map(body -> "agent " + request.method() + " " + request.uri()
                        + " session=" + request.requestHeaders().get("x-session-id")
                        + " hop=" + request.requestHeaders().get("x-hop-secret")
                        + " connection=" + request.requestHeaders().get("connection")
                        + " body=" + body
                        + " receipt=" + request.requestHeaders().get("x-veil-receipt")))))
        .bindNow();
    service = HttpServer.create().host("127.0.0.1").port(0)
        .route(routes -> routes
            .ws("/ws", (in, out) -> out.sendString(in.receive().asString().map(text -> "echo:" + text)))
            .get("/big/{mib}", (request, response) -> {
              int mib = Integer.parseInt(request.param("mib"));
              return response.send(Flux.range(0, mib).map(i -> {
                byte[] block = new byte[MIB];
                java.util.Arrays.fill(block, (byte) i.intValue());
                return (ByteBuf) Unpooled.wrappedBuffer(block);
              }));
            })
            .get("/v1/jobs/{id}", (request, response) -> {
              String node = runningJobs.get(request.param("id"));
              return node == null ? response.status(404).send()
                  : response.header("Content-Type", "application/json").sendString(Mono.just(
                      "{\"jobId\":\"" + request.param("id") + "\",\"owner\":\"" + jobOwners.getOrDefault(request.param("id"), "o")
                          + "\",\"state\":\"RUNNING\",\"timeoutSeconds\":60,"
                          + "\"createdAt\":0,\"nodeId\":\"" + node + "\"}"));
            })
            .route(request -> request.uri().startsWith("/headers"), (request, response) -> response.sendString(Mono.just(
                "session=" + request.requestHeaders().get("x-session-id") + " cookie=" + request.requestHeaders().get("cookie")
                    + " uri=" + request.uri())))
            .get("/", (request, response) -> response.sendString(Mono.just("hello from the service"))))
        .bindNow();
    secret = HttpServer.create().host("127.0.0.1").port(0)
        .handle((request, response) -> {
          secretHits.incrementAndGet();
          return response.sendString(Mono.just("secret"));
        })
        .bindNow();
    hanging = new SilentServer();
  }

  /**
   * Points a gateway under test at these stand-ins (the agent one plays session-service, the
   * service one the market) and at a fresh tunnel host key; the key's path.
   */
  java.nio.file.Path standIn(org.springframework.test.context.DynamicPropertyRegistry properties) throws IOException {
    properties.add("veil.gateway.session-service-url", this::agentUrl);
    properties.add("veil.gateway.market-url", this::serviceUrl);
    java.nio.file.Path hostKey = java.nio.file.Files.createTempDirectory("veil-gateway-").resolve("host.key");
    properties.add("veil.gateway.tunnel.host-key-file", hostKey::toString);
    return hostKey;
  }

  String agentUrl() {
    return "http://127.0.0.1:" + agent.port();
  }

  String serviceUrl() {
    return "http://127.0.0.1:" + service.port();
  }

  String hangingUrl() {
    return "http://127.0.0.1:" + hanging.port();
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() throws IOException {
    agent.disposeNow();
    service.disposeNow();
    secret.disposeNow();
    hanging.close();
  }
}
