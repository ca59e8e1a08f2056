package dev.veil.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.veil.testsupport.RedisContainers;
import dev.veil.testsupport.RequiresContainerEngine;
import io.netty.handler.codec.http.HttpMethod;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * What a client gets through the gateway when a service behind it is down or slow: a down
 * session-service is 503 with Retry-After (not 502, not 500); a market that does not answer is 504
 * after the API timeout, except for a host's claim, whose long-poll is given its own longer one.
 */
@RequiresContainerEngine
@Testcontainers
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "management.server.port=0", "veil.gateway.tunnel.port=0",
    "veil.gateway.api.response-timeout=1s", "veil.gateway.api.claim-response-timeout=15s"})
class GatewayDependenciesIT {

  /** How long the stand-in market takes to answer: past the API timeout, within the claim one. */
  static final long MARKET_ANSWERS_AFTER_MILLIS = 3000;

  @Container
  @ServiceConnection(name = "redis")
  static final GenericContainer<?> redis = RedisContainers.redis();

  static HttpServer slowMarket;

  @LocalServerPort
  int port;

  @DynamicPropertySource
  static void upstreams(DynamicPropertyRegistry properties) throws IOException {
    slowMarket = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    slowMarket.setExecutor(Executors.newCachedThreadPool());
    slowMarket.createContext("/", exchange -> {
      try {
        Thread.sleep(MARKET_ANSWERS_AFTER_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      byte[] body = ("market " + exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath())
          .getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    slowMarket.start();
    properties.add("veil.gateway.market-url", () -> "http://127.0.0.1:" + slowMarket.getAddress().getPort());
    // Nothing listens there: session-service is down.
    int down = RedisContainers.freePort();
    properties.add("veil.gateway.session-service-url", () -> "http://127.0.0.1:" + down);
    properties.add("veil.gateway.tunnel.host-key-file",
        () -> uncheckedTempDir().resolve("host.key").toString());
  }

  private static java.nio.file.Path uncheckedTempDir() {
    try {
      return Files.createTempDirectory("veil-gateway-");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @AfterAll
  static void stop() {
    slowMarket.stop(0);
  }

  @Test
  void aDownServiceIs503WithRetryAfterNeverA502OrA500() {
    GatewayClient.Reply reply = new GatewayClient(port).exchange(HttpMethod.POST, "localhost", "/v1/challenges",
        headers -> headers.set("Content-Type", "application/json"),
        reactor.core.publisher.Mono.just(io.netty.buffer.Unpooled.wrappedBuffer("{}".getBytes(StandardCharsets.UTF_8))));

    assertThat(reply.status()).isEqualTo(503);
    assertThat(reply.header("Content-Type")).isEqualTo("application/problem+json");
    assertThat(reply.header("Retry-After")).isEqualTo("5");
    assertThat(reply.body()).contains("upstream-unavailable").doesNotContain("Exception", "127.0.0.1");
  }

  @Test
  void aSlowMarketIs504AfterTheApiTimeoutButAClaimMayLongPoll() {
    GatewayClient gateway = new GatewayClient(port);

    GatewayClient.Reply read = gateway.get("localhost", "/v1/jobs/x");
    assertThat(read.status()).isEqualTo(504);
    assertThat(read.header("Content-Type")).isEqualTo("application/problem+json");
    assertThat(read.body()).contains("upstream-timeout");

    GatewayClient.Reply claim = gateway.exchange(HttpMethod.POST, "localhost", "/v1/claims?waitSeconds=20", headers -> {}, null);
    assertThat(claim.status()).isEqualTo(200);
    assertThat(claim.body()).isEqualTo("market POST /v1/claims");
  }
}
