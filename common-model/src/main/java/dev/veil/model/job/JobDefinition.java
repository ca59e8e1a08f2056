package dev.veil.model.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;

/**
 * A job definition, version {@code 0.1}: what a client posts to the market, or (for private
 * send) what it sends straight to the host.
 *
 * @param version   schema version, {@code "0.1"}
 * @param type      job type, {@code "container"}
 * @param meta      free-form metadata (for example {@code trigger}), kept exactly as given
 * @param global    defaults applied to ops that do not set their own
 * @param logistics how the definition reaches the host and how results leave it; absent means public
 * @param ops       the operations; empty only in a template whose definition is sent privately
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"version", "type", "meta", "global", "logistics", "ops"})
public record JobDefinition(
    String version,
    String type,
    Map<String, Object> meta,
    Global global,
    Logistics logistics,
    List<Operation> ops) {

  /** The only schema version this build understands. */
  public static final String VERSION = "0.1";
  /** The only job type this build understands. */
  public static final String CONTAINER = "container";

  /** True when the host must wait for the definition to arrive privately ({@code send = api-listen}). */
  public boolean sendsDefinitionPrivately() {
    return logistics != null && logistics.send() != null && logistics.send().type() == LogisticsType.API_LISTEN;
  }

  /** True when the host must keep the result for the owner ({@code receive = api-listen}). */
  public boolean receivesResultPrivately() {
    return logistics != null && logistics.receive() != null && logistics.receive().type() == LogisticsType.API_LISTEN;
  }

  /**
   * The owner's key the held result is sealed to ({@code logistics.receive.args.recipient}), when
   * the result is received privately and one is named; else null.
   */
  public dev.veil.model.sealing.RecipientKey resultRecipient() {
    return receivesResultPrivately() && logistics.receive().args() != null ? logistics.receive().args().recipient() : null;
  }

  /** The ops, never null. */
  public List<Operation> opsOrEmpty() {
    return ops == null ? List.of() : ops;
  }
}
