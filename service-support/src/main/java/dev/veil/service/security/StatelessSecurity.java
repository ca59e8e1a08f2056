package dev.veil.service.security;

import dev.veil.service.problem.ProblemException;
import dev.veil.service.problem.ProblemWriter;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.security.web.server.savedrequest.NoOpServerRequestCache;

/**
 * The security every Veil service starts from: stateless (every request proves itself; no
 * sessions, no saved requests, no CSRF, no login forms), and refusals as problem+json.
 */
public final class StatelessSecurity {

  private StatelessSecurity() {}

  /**
   * Applies the base to {@code http}; a request without credentials where they are needed gets 401
   * with {@code unauthenticated} as its detail, one with the wrong kind of credential 403.
   */
  public static ServerHttpSecurity apply(ServerHttpSecurity http, ProblemWriter problems, String unauthenticated) {
    return http
        .csrf(ServerHttpSecurity.CsrfSpec::disable)
        .httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
        .formLogin(ServerHttpSecurity.FormLoginSpec::disable)
        .logout(ServerHttpSecurity.LogoutSpec::disable)
        .securityContextRepository(NoOpServerSecurityContextRepository.getInstance())
        .requestCache(cache -> cache.requestCache(NoOpServerRequestCache.getInstance()))
        .exceptionHandling(handling -> handling
            .authenticationEntryPoint((exchange, e) -> problems.write(exchange,
                unauthenticated == null ? e : ProblemException.denied(unauthenticated)))
            .accessDeniedHandler((exchange, denied) ->
                problems.write(exchange, ProblemException.forbidden("this credential may not call this endpoint"))));
  }
}
