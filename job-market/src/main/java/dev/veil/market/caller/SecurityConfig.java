package dev.veil.market.caller;

import dev.veil.service.node.NodeRequestAuthenticator;
import dev.veil.service.problem.ProblemException;
import dev.veil.service.problem.ProblemWriter;
import dev.veil.service.security.StatelessSecurity;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.config.web.server.SecurityWebFiltersOrder;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.authentication.AuthenticationWebFilter;
import org.springframework.security.web.server.authentication.ServerAuthenticationEntryPointFailureHandler;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import reactor.core.publisher.Mono;

/**
 * Host endpoints ({@code /v1/claims}, {@code /v1/nodes/self/**}, a job's heartbeat and result)
 * need a node-signed request; the node ID is the one that signed, never one that is claimed.
 * Everything else is public, or checks the owner's session itself against the job it concerns.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfig {

  static final String[] NODE_PATHS = {"/v1/claims", "/v1/nodes/self", "/v1/nodes/self/**",
      "/v1/jobs/*/heartbeat", "/v1/jobs/*/result"};

  @Bean
  SecurityWebFilterChain securityWebFilterChain(ServerHttpSecurity http, NodeRequestAuthenticator nodes,
      ProblemWriter problems) {
    ReactiveAuthenticationManager verifier = presented -> nodes
        .authenticate(((NodeSignedRequest) presented).exchange())
        .<Authentication>map(nodeId -> NodeSignedRequest.verified(new NodeCaller(nodeId)))
        .onErrorMap(e -> ProblemException.hasStatus(e, HttpStatus.UNAUTHORIZED), denied -> new BadCredentialsException(denied.getMessage()));
    AuthenticationWebFilter nodeFilter = new AuthenticationWebFilter(verifier);
    nodeFilter.setServerAuthenticationConverter(exchange -> NodeRequestAuthenticator.claimsNodeSignature(exchange)
        ? Mono.just(NodeSignedRequest.unverified(exchange))
        : Mono.empty());
    nodeFilter.setSecurityContextRepository(NoOpServerSecurityContextRepository.getInstance());
    nodeFilter.setAuthenticationFailureHandler(new ServerAuthenticationEntryPointFailureHandler(problems::write));

    return StatelessSecurity.apply(http, problems, "this endpoint needs a node-signed request")
        .addFilterAt(nodeFilter, SecurityWebFiltersOrder.AUTHENTICATION)
        .authorizeExchange(paths -> paths
            .pathMatchers(NODE_PATHS).hasRole("NODE")
            .anyExchange().permitAll())
        .build();
  }
}
