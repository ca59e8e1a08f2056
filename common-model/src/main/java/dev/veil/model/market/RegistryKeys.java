package dev.veil.model.market;

/**
 * The Redis layout of the node and service registry: written by job-market, read by the gateway.
 * Its storage details are documented on job-market's {@code RedisNodeRegistry}, which owns it.
 */
public final class RegistryKeys {

  /** Hash per node: {@value #API_URL}, {@code version}, {@code lastSeen}; expires unless renewed. */
  public static final String NODE = "veil:registry:node:";
  /** Hash per exposed service: {@value #UPSTREAM}, {@code nodeId}, {@code jobId}; expires with its node. */
  public static final String SERVICE = "veil:registry:service:";
  /** Set per node: the service IDs it holds. */
  public static final String NODE_SERVICES = "veil:registry:node-services:";
  /** Pub/sub channel: {@code node:<id>} or {@code service:<id>} whenever that entry changes or goes. */
  public static final String EVENTS = "veil:registry:events";

  public static final String API_URL = "apiUrl";
  public static final String UPSTREAM = "upstream";
  public static final String NODE_EVENT_PREFIX = "node:";
  public static final String SERVICE_EVENT_PREFIX = "service:";

  private RegistryKeys() {}
}
