package dev.veil.agent.engine;

/** Labels on every container and volume the agent makes, so it can always find what it made. */
public final class EngineLabels {

  public static final String NODE = "dev.veil.node";
  public static final String JOB = "dev.veil.job";
  public static final String OP = "dev.veil.op";

  private EngineLabels() {}
}
