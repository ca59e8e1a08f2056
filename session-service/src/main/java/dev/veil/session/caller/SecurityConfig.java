package dev.veil.session.caller;

import dev.veil.service.problem.ProblemWriter;
import dev.veil.service.security.StatelessSecurity;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.web.server.SecurityWebFiltersOrder;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.authentication.AuthenticationWebFilter;
import org.springframework.security.web.server.authentication.ServerAuthenticationEntryPointFailureHandler;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;

/**
 * Who may call what. Stateless: every request proves itself. Login is open; validation is for
 * node-signed hosts and trusted services, the revocation feed for hosts alone; listing and
 * revocation are for session owners. Every other request is 401 without credentials (no
 * existence oracle) and answered as it is with them.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfig {

  @Bean
  SecurityWebFilterChain securityWebFilterChain(ServerHttpSecurity http, CallerCredentialsConverter converter,
      CallerAuthenticationManager manager, ProblemWriter problems) {
    AuthenticationWebFilter callers = new AuthenticationWebFilter(manager);
    callers.setServerAuthenticationConverter(converter);
    callers.setSecurityContextRepository(NoOpServerSecurityContextRepository.getInstance());
    callers.setAuthenticationFailureHandler(new ServerAuthenticationEntryPointFailureHandler(problems::write));

    return StatelessSecurity.apply(http, problems, null)
        .addFilterAt(callers, SecurityWebFiltersOrder.AUTHENTICATION)
        .authorizeExchange(paths -> paths
            // Login is public, so its paths answer everyone as they are: 405 with Allow for another
            // method, OPTIONS, 404 under /v1/challenges/.
            .pathMatchers("/v1/challenges", "/v1/challenges/**").permitAll()
            .pathMatchers(HttpMethod.POST, "/v1/sessions").permitAll()
            .pathMatchers(HttpMethod.OPTIONS, "/v1/sessions").permitAll()
            .pathMatchers(HttpMethod.POST, "/v1/sessions/validate").hasAnyRole("NODE", "SERVICE")
            .pathMatchers("/v1/sessions/revocations").hasRole("NODE")
            .pathMatchers("/v1/sessions", "/v1/sessions/**").hasRole("OWNER")
            .pathMatchers("/actuator/health", "/actuator/health/**", "/actuator/info",
                "/actuator/prometheus", "/actuator/metrics", "/actuator/metrics/**").permitAll()
            .pathMatchers("/v3/api-docs", "/v3/api-docs/**").permitAll()
            // Anything else, unknown paths included, needs credentials first: a caller without them
            // learns nothing (401), not even which paths exist; one with them gets 404 or 405.
            .anyExchange().authenticated())
        .build();
  }
}
