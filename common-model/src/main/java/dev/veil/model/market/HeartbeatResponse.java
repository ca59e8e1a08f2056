package dev.veil.model.market;

/**
 * The claim is renewed.
 *
 * @param stopRequested the owner asked the job to stop: end it and publish its result
 * @param leaseSeconds  heartbeat again well within this
 */
public record HeartbeatResponse(boolean stopRequested, long leaseSeconds) {}
