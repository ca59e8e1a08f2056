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
 * node-signed hosts and trusted services; listing and revocation are for session owners.
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
            .pathMatchers(HttpMethod.POST, "/v1/challenges", "/v1/sessions").permitAll()
            .pathMatchers(HttpMethod.POST, "/v1/sessions/validate").hasAnyRole("NODE", "SERVICE")
            .pathMatchers("/v1/sessions", "/v1/sessions/**").hasRole("OWNER")
            .pathMatchers("/actuator/health", "/actuator/health/**", "/actuator/info",
                "/actuator/prometheus", "/actuator/metrics", "/actuator/metrics/**").permitAll()
            .pathMatchers("/v3/api-docs", "/v3/api-docs/**").permitAll()
            .anyExchange().denyAll())
        .build();
  }
}
