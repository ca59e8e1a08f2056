package dev.veil.gateway.routing;

import static org.springframework.cloud.gateway.support.RouteMetadataUtils.RESPONSE_TIMEOUT_ATTR;

import dev.veil.gateway.access.OwnerOnlyAccess;
import dev.veil.gateway.access.OwnerSessions;
import dev.veil.gateway.config.GatewayProperties;
import dev.veil.gateway.limits.ClientAddresses;
import dev.veil.gateway.limits.RequestBodyLimit;
import dev.veil.gateway.registry.RegistryCache;
import dev.veil.gateway.registry.RegistryTarget;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.gateway.config.HttpClientCustomizer;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * The routes, in the order they are tried:
 * <ol>
 *   <li>{@code node}: Host {@code <nodeId>.<node domain>} of a node whose tunnel is open → its agent API (API paths only;
 *       a private result is confirmed to the node once written whole, {@link ResultReceipts});</li>
 *   <li>{@code service}: Host {@code <serviceId>.<node domain>} of a forwarded service → through its node's tunnel (HTTP and
 *       WebSocket); one open to its job's owner only admits that owner's sessions alone ({@link OwnerOnlyAccess});</li>
 *   <li>{@code unknown-name}: any other host under the node domain → 404, the same for "never
 *       registered" and "withdrawn";</li>
 *   <li>{@code session-api}, {@code market-api}: the public APIs on any other host, paths
 *       unchanged (node signatures cover the path).</li>
 * </ol>
 */
@Configuration(proxyBeanMethods = false)
class GatewayRoutes {

  /** Registry routes have no fixed URI; {@link ToRegisteredTarget} sets the real one. */
  private static final String REGISTRY_URI = "http://registry.invalid";

  @Bean
  NodeDomainHost nodeDomainHost(GatewayProperties properties) {
    return new NodeDomainHost(properties.nodeDomain());
  }

  @Bean
  RegisteredName registeredName(NodeDomainHost hosts, RegistryCache registry) {
    return new RegisteredName(hosts, registry);
  }

  /** Its client is customized as Spring Cloud Gateway's is: {@code ForwardGuard} checks its requests to forwards too. */
  @Bean
  ResultReceipts resultReceipts(NodeDomainHost hosts, RegistryCache registry, MeterRegistry meters,
      ReactorResourceFactory resources, ObjectProvider<HttpClientCustomizer> customizers) {
    return new ResultReceipts(hosts, registry, meters, resources, customizers.orderedStream().toList());
  }

  /** The node API's path allow-list: the node route's and the direct path's. */
  @Bean
  NodeApiPaths nodeApiPaths(GatewayProperties properties) {
    return new NodeApiPaths(properties.nodes().apiPaths());
  }

  @Bean
  RouteLocator veilRoutes(RouteLocatorBuilder routes, RegisteredName names, GatewayProperties properties,
      OwnerSessions ownerSessions, ResultReceipts receipts, NodeApiPaths nodeApiPaths) {
    ToRegisteredTarget toTarget = new ToRegisteredTarget();
    OwnerOnlyAccess ownerOnly = new OwnerOnlyAccess(ownerSessions, new ClientAddresses(properties.rateLimit()));
    RequestBodyLimit nodeApiBodies = new RequestBodyLimit(properties.nodes().maxApiRequestBody());
    RequestBodyLimit serviceBodies = new RequestBodyLimit(properties.nodes().maxRequestBody());
    RequestBodyLimit apiBodies = new RequestBodyLimit(properties.api().maxRequestBody());
    long nodeApiTimeout = properties.nodes().apiResponseTimeout().toMillis();
    long serviceTimeout = properties.nodes().responseTimeout().toMillis();
    long apiTimeout = properties.api().responseTimeout().toMillis();
    long claimTimeout = properties.api().claimResponseTimeout().toMillis();
    return routes.routes()
        .route("node", r -> r.order(0).asyncPredicate(names.is(RegistryTarget.Kind.NODE))
            .filters(f -> f.filters(nodeApiPaths, nodeApiBodies, receipts, toTarget))
            .metadata(RESPONSE_TIMEOUT_ATTR, nodeApiTimeout)
            .uri(REGISTRY_URI))
        .route("service", r -> r.order(1).asyncPredicate(names.is(RegistryTarget.Kind.SERVICE))
            .filters(f -> f.filters(ownerOnly, serviceBodies, toTarget))
            .metadata(RESPONSE_TIMEOUT_ATTR, serviceTimeout)
            .uri(REGISTRY_URI))
        // The registry did not answer: 503 (through the store-failure mapping), never a 404; a node
        // seen lately but offline: 503 node-offline; else 404.
        .route("unknown-name", r -> r.order(2).predicate(names::isUnderNodeDomain)
            .filters(f -> f.filter((exchange, chain) -> names.unrouted(exchange)))
            .uri(REGISTRY_URI))
        .route("session-api", r -> r.order(3).path("/v1/challenges", "/v1/challenges/**", "/v1/sessions", "/v1/sessions/**")
            .filters(f -> f.filters(apiBodies))
            .metadata(RESPONSE_TIMEOUT_ATTR, apiTimeout)
            .uri(properties.sessionServiceUrl()))
        // A host's long-poll for work: the one API call allowed to take its time.
        .route("market-claims", r -> r.order(4).path("/v1/claims", "/v1/claims/**")
            .filters(f -> f.filters(apiBodies))
            .metadata(RESPONSE_TIMEOUT_ATTR, claimTimeout)
            .uri(properties.marketUrl()))
        .route("market-api", r -> r.order(5).path("/v1/jobs", "/v1/jobs/**", "/v1/results/**", "/v1/nodes/**")
            .filters(f -> f.filters(apiBodies))
            .metadata(RESPONSE_TIMEOUT_ATTR, apiTimeout)
            .uri(properties.marketUrl()))
        .build();
  }
}
