package dev.veil.model.market;

/**
 * {@code PUT /v1/nodes/self/services/{serviceId}}, node-signed: an exposed service of a job this
 * node runs, reachable by the gateway at {@code upstream} (on the node's own host).
 *
 * @param jobId    the job exposing it
 * @param upstream {@code http://<node host>:<published port>}
 */
public record ServiceRoute(String jobId, String upstream) {}
