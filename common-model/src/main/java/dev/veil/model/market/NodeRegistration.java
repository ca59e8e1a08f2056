package dev.veil.model.market;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * {@code PUT /v1/nodes/self}, node-signed: registers the node, and renews it. It names no address:
 * the gateway reaches a node only through the tunnel the node dials with its own key.
 *
 * @param version  the agent's version
 * @param gpu      whether the host offers GPUs
 * @param capacity jobs it runs at once
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeRegistration(String version, Boolean gpu, Integer capacity) {}
