package dev.veil.service.web;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * HTTP settings every Veil service shares, under {@code veil.http}.
 *
 * @param maxBodySize      largest request body read; a larger one is answered 413
 * @param trustedProxyHops proxies in front of the service whose {@code X-Forwarded-For} is
 *                         believed (1: the gateway), to tell which client presented a request
 */
@Validated
@ConfigurationProperties("veil.http")
public record VeilHttpProperties(@DefaultValue("16KB") @NotNull DataSize maxBodySize,
    @DefaultValue("1") @Min(0) int trustedProxyHops) {}
