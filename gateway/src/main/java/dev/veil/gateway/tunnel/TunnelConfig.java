package dev.veil.gateway.tunnel;

import dev.veil.gateway.config.GatewayProperties;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.cloud.gateway.config.HttpClientCustomizer;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.client.ReactorResourceFactory;
import reactor.netty.http.client.HttpClient;

@Configuration(proxyBeanMethods = false)
class TunnelConfig {

  /** Redis calls made on the SSH server's threads (claims and releases of names) wait at most this long. */
  private static final Duration REGISTRY_TIMEOUT = Duration.ofSeconds(2);

  @Bean
  ReplicaIdentity replicaIdentity() {
    return new ReplicaIdentity();
  }

  @Bean
  RelayedRequests relayedRequests(ReplicaIdentity replica) {
    return new RelayedRequests(replica);
  }

  @Bean
  LocalForwards localForwards() {
    return new LocalForwards();
  }

  /**
   * The gateway's HTTP clients forget closed forwards: Spring Cloud Gateway's, which the direct
   * path shares, and the one on the shared Reactor resources (private results' receipts).
   */
  @Bean
  ForwardPools forwardPools(LocalForwards local, HttpClient gatewayHttpClient, ReactorResourceFactory resources) {
    return ForwardPools.watching(local, gatewayHttpClient.configuration().connectionProvider(),
        resources.getConnectionProvider());
  }

  @Bean
  ForwardGuard forwardGuard(LocalForwards local, MeterRegistry meters) {
    return new ForwardGuard(local, meters);
  }

  /**
   * Spring Cloud Gateway's client (the routes', the direct path's, which is built on it, and the
   * receipts', customized as it is) sends a request routed to a forward here only while its name is
   * still routed there.
   */
  @Bean
  HttpClientCustomizer guardingForwards(ForwardGuard guard) {
    return guard::guarding;
  }

  @Bean
  TunnelRegistry tunnelRegistry(ReactiveStringRedisTemplate redis, ReplicaIdentity replica, GatewayProperties properties) {
    return new TunnelRegistry(redis, replica, REGISTRY_TIMEOUT, properties.tunnel().nodeMemory());
  }

  @Bean
  JobHolders jobHolders(GatewayProperties properties) {
    return new JobHolders(properties.marketUrl(), properties.tunnel().jobCheckTimeout());
  }

  @Bean
  TunnelServer tunnelServer(GatewayProperties properties, TunnelRegistry registry, LocalForwards local, JobHolders jobs,
      MeterRegistry meters) {
    return new TunnelServer(properties.tunnel(), registry, local, jobs, meters);
  }

  @Bean
  ServerPort serverPort() {
    return new ServerPort();
  }

  @Bean
  LiveReplicas liveReplicas() {
    return new LiveReplicas();
  }

  @Bean
  ReplicaHeartbeat replicaHeartbeat(TunnelRegistry registry, GatewayProperties properties, ServerPort port,
      LiveReplicas live) {
    String configured = properties.tunnel().replicaUrl();
    return new ReplicaHeartbeat(registry,
        () -> configured == null || configured.isBlank() ? "http://127.0.0.1:" + port.get() : configured,
        properties.tunnel().replicaTtl(), live);
  }

  /** The HTTP port this replica serves on, once the server has started. */
  static final class ServerPort implements ApplicationListener<WebServerInitializedEvent> {
    private final AtomicInteger port = new AtomicInteger();

    @Override
    public void onApplicationEvent(WebServerInitializedEvent event) {
      // The management server starts its own; the public one is the application context's own.
      if (event.getApplicationContext().getServerNamespace() == null) {
        port.set(event.getWebServer().getPort());
      }
    }

    int get() {
      return port.get();
    }
  }
}
