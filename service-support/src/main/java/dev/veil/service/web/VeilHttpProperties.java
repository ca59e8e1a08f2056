package dev.veil.service.web;

import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * HTTP settings every Veil service shares, under {@code veil.http}.
 *
 * @param maxBodySize largest request body read; a larger one is answered 413
 */
@Validated
@ConfigurationProperties("veil.http")
public record VeilHttpProperties(@DefaultValue("16KB") @NotNull DataSize maxBodySize) {}
