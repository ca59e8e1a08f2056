package dev.veil.agent.api;

import dev.veil.agent.config.AgentProperties;
import dev.veil.agent.engine.ContainerEngine;
import dev.veil.agent.identity.NodeEncryption;
import dev.veil.agent.identity.NodeIdentity;
import dev.veil.agent.work.JobCapacity;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** {@code GET /node/info}: who this node is and what it can take. */
@RestController
class NodeInfoController {

  private final NodeIdentity node;
  private final ContainerEngine engine;
  private final JobCapacity capacity;
  private final AgentProperties properties;
  private final NodeEncryption encryption;

  NodeInfoController(NodeIdentity node, ContainerEngine engine, JobCapacity capacity, AgentProperties properties,
      NodeEncryption encryption) {
    this.node = node;
    this.encryption = encryption;
    this.engine = engine;
    this.capacity = capacity;
    this.properties = properties;
  }

  @GetMapping("/node/info")
  Mono<Map<String, Object>> info() {
    return engine.describe().onErrorReturn("unreachable").map(engineName -> {
      Map<String, Object> info = new LinkedHashMap<>();
      info.put("nodeId", node.nodeId());
      info.put("version", properties.version());
      info.put("engine", engineName);
      info.put("gpu", properties.gpu());
      int runningJobs = capacity.running();
      Map<String, Object> jobs = new LinkedHashMap<>();
      jobs.put("jobs", capacity.maxRunning());
      jobs.put("running", runningJobs);
      jobs.put("free", Math.max(0, capacity.maxRunning() - runningJobs));
      jobs.put("queued", capacity.queued());
      jobs.put("waitingOnOwner", capacity.waitingOnOwner());
      jobs.put("maxWaitingOnOwner", capacity.maxWaitingOnOwner());
      info.put("capacity", jobs);
      // What clients seal private definitions to; signed by the node key, so the node ID vouches for it.
      info.put("encryptionKey", encryption.publicKey());
      return info;
    });
  }
}
