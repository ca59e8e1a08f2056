package dev.veil.market.caller;

/** A host agent, proven by its node-request signature. */
public record NodeCaller(String nodeId) {}
