package dev.veil.model.market;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * {@code PUT /v1/nodes/self}, node-signed: registers the node, and renews it with its routes.
 *
 * @param apiUrl  where the gateway reaches this node's agent API, e.g. {@code http://10.0.0.5:9090}
 * @param version the agent's version
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeRegistration(String apiUrl, String version) {}
