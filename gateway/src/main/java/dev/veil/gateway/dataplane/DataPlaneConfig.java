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
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.cloud.gateway.filter.headers.RemoveHopByHopHeadersFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import reactor.netty.http.client.HttpClient;

/**
 * Puts {@link NodeDataPlane} on the public Reactor Netty server, in front of WebFlux and Spring
 * Cloud Gateway, unless {@code veil.gateway.nodes.direct-path} is off: a route Spring Boot's Netty
 * server tries before its own catch-all route to WebFlux, for requests whose Host is under the node
 * domain. What the data plane does not serve it hands to WebFlux's handler, as the catch-all would.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "veil.gateway.nodes.direct-path", matchIfMissing = true)
class DataPlaneConfig {

  @Bean
  NodeDataPlane nodeDataPlane(ObjectProvider<HttpHandler> webFlux, NodeDomainHost hosts, LocalForwards forwards,
      RegistryCache registry, ReplicaIdentity replica, GatewayProperties properties, NodeApiPaths apiPaths,
      HttpClient gatewayHttpClient, RemoveHopByHopHeadersFilter hopByHop, ObjectProvider<ClientRateLimit> rateLimit,
      ObjectProvider<AccessLog> accessLog, ProblemWriter problems, MeterRegistry meters) {
    return new NodeDataPlane(new ReactorHttpHandlerAdapter(webFlux.getObject()), hosts, forwards, registry, replica,
        properties.nodes(), apiPaths, gatewayHttpClient, hopByHop.getHeaders(), rateLimit.getIfAvailable(),
        accessLog.getIfAvailable(), problems, meters);
  }

  /**
   * The route, on the public server only: a customizer of this context's server factory (Boot
   * applies none of them to the management server's child context, which a route provider bean
   * would reach too). The data plane is resolved when the server starts, after every bean is made.
   */
  @Bean
  WebServerFactoryCustomizer<NettyReactiveWebServerFactory> nodeDataPlaneRoute(ObjectProvider<NodeDataPlane> plane) {
    return factory -> factory.addRouteProviders(routes -> {
      NodeDataPlane served = plane.getObject();
      return routes.route(served::looksAt, served);
    });
  }
}
