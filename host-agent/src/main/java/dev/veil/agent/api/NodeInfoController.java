package dev.veil.agent.api;

import dev.veil.agent.config.AgentProperties;
import dev.veil.agent.engine.ContainerEngine;
import dev.veil.agent.identity.NodeIdentity;
import dev.veil.agent.work.JobWorker;
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
  private final JobWorker worker;
  private final AgentProperties properties;

  NodeInfoController(NodeIdentity node, ContainerEngine engine, JobWorker worker, AgentProperties properties) {
    this.node = node;
    this.engine = engine;
    this.worker = worker;
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
      int runningJobs = worker.running().size();
      info.put("capacity", Map.of("jobs", properties.concurrency(), "running", runningJobs,
          "free", Math.max(0, properties.concurrency() - runningJobs)));
      return info;
    });
  }
}
