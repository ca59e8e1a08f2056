package dev.veil.model.result;

/** Whether an exposed service answers its health check (or, lacking one, a TCP connect). */
public enum ServiceStatus {
  ONLINE,
  OFFLINE,
  UNKNOWN
}
