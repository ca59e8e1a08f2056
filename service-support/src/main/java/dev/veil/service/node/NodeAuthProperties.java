package dev.veil.service.node;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How this service checks node-signed requests, under {@code veil.node-auth}.
 *
 * @param audience    this service's name in the signed bytes ({@code session-service}, {@code job-market})
 * @param skew        how far a request's timestamp may be from this service's clock
 * @param noncePrefix Redis key prefix of the seen-nonce store
 */
@Validated
@ConfigurationProperties("veil.node-auth")
public record NodeAuthProperties(
    @NotBlank String audience,
    @DefaultValue("PT1M") @NotNull Duration skew,
    @NotBlank String noncePrefix) {}
