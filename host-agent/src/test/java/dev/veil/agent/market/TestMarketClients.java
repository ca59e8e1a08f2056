package dev.veil.agent.market;

import dev.veil.agent.config.AgentProperties;
import dev.veil.agent.identity.NodeEncryption;
import dev.veil.agent.identity.NodeIdentity;
import java.time.Clock;
import org.springframework.web.reactive.function.client.WebClient;

/** A market client as the agent makes one, for tests that give it their own properties. */
public final class TestMarketClients {

  private TestMarketClients() {}

  public static MarketClient of(AgentProperties properties) {
    NodeIdentity node = new NodeIdentity(properties);
    return new MarketClient(WebClient.builder(), node, new NodeEncryption(node, properties), properties, Clock.systemUTC());
  }
}
