package dev.veil.agent.engine;

import dev.veil.model.id.Digests;

/**
 * Names of what the agent makes on the engine (networks, bridges, volumes). They are the node's
 * as well as the job's: several agents may share one engine, and a job re-queued from one of them
 * can start on another while the first one's leftovers are still there. What belongs to a node
 * is found by its labels ({@link EngineLabels}), never by name.
 */
public final class EngineNames {

  private EngineNames() {}

  /** Eight hex digits of the node ID's SHA-256: short, lower-case, the same for every job of the node. */
  static String nodeTag(String nodeId) {
    return Digests.sha256Hex(nodeId).substring(0, 8);
  }

  /** SHA-256 of the node and job IDs, in lower-case hex. */
  static String digest(String nodeId, String jobId) {
    return Digests.sha256Hex(nodeId + "/" + jobId);
  }

  /** A volume a job's op creates: {@code veil-<first 12 of the job ID, lower case>-<node tag>-<its name>}. */
  public static String volume(String nodeId, String jobId, String name) {
    return "veil-" + jobId.substring(0, Math.min(12, jobId.length())).toLowerCase() + "-" + nodeTag(nodeId) + "-" + name;
  }
}
