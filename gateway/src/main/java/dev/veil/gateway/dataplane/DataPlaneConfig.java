package dev.veil.gateway.dataplane;

import dev.veil.gateway.config.GatewayProperties;
import dev.veil.gateway.limits.ClientRateLimit;
import dev.veil.gateway.observe.AccessLog;
import dev.veil.gateway.registry.RegistryCache;
import dev.veil.gateway.routing.NodeApiPaths;
import dev.veil.gateway.routing.NodeDomainHost;
import dev.veil.gateway.tunnel.LocalForwards;
import dev.veil.gateway.tunnel.ReplicaIdentity;
import dev.veil.service.problem.ProblemWriter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.webflux.autoconfigure.WebHttpHandlerBuilderCustomizer;
import org.springframework.cloud.gateway.filter.headers.RemoveHopByHopHeadersFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.netty.http.client.HttpClient;

/** Puts {@link NodeDataPlane} in front of WebFlux and Spring Cloud Gateway, unless {@code veil.gateway.nodes.direct-path} is off. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "veil.gateway.nodes.direct-path", matchIfMissing = true)
class DataPlaneConfig {

  @Bean
  WebHttpHandlerBuilderCustomizer nodeDataPlane(NodeDomainHost hosts, LocalForwards forwards, RegistryCache registry,
      ReplicaIdentity replica, GatewayProperties properties, NodeApiPaths apiPaths, HttpClient gatewayHttpClient,
      RemoveHopByHopHeadersFilter hopByHop, ObjectProvider<ClientRateLimit> rateLimit, ObjectProvider<AccessLog> accessLog,
      ProblemWriter problems, MeterRegistry meters) {
    return builder -> builder.httpHandlerDecorator(chain -> new NodeDataPlane(chain, hosts, forwards, registry, replica,
        properties.nodes(), apiPaths, gatewayHttpClient, hopByHop.getHeaders(), rateLimit.getIfAvailable(),
        accessLog.getIfAvailable(), problems, meters));
  }
}
