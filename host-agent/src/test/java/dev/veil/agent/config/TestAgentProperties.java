package dev.veil.agent.config;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.util.unit.DataSize;

/** The agent's settings at their defaults, for tests that build its parts by hand: one place to add a setting. */
public final class TestAgentProperties {

  private TestAgentProperties() {}

  /** Defaults, with the node key and data under {@code dir}, this market URL and private-store key (empty: generated). */
  public static AgentProperties of(Path dir, String marketUrl, String privateKey, DataSize maxPublishedResultBytes) {
    return new AgentProperties(marketUrl, dir.resolve("node.key"), dir, "", "127.0.0.1", 1, 32,
        Duration.ofSeconds(20), Duration.ofSeconds(10), 1000, 10000, 16384, maxPublishedResultBytes, Duration.ofSeconds(20),
        Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofMinutes(1), false, "0.1.0", "http://s",
        Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofSeconds(30), "https://%s", privateKey,
        DataSize.ofGigabytes(2), 1.0, 1024, Duration.ofMinutes(10),
        new AgentProperties.Tunnel("localhost", 2222, "", Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(5)));
  }

  public static AgentProperties of(Path dir, String privateKey) {
    return of(dir, "http://m", privateKey, DataSize.ofMegabytes(3));
  }
}
