package dev.veil.model.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Map;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.annotation.JsonDeserialize;
import tools.jackson.databind.annotation.JsonSerialize;

/** A {@code container/run} op: run one container. */
// Plain bean (de)serialisation: the interface's dispatching (de)serialiser would otherwise be inherited.
@JsonDeserialize(using = ValueDeserializer.None.class)
@JsonSerialize(using = ValueSerializer.None.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"type", "id", "args", "results", "execution"})
public record RunOperation(
    String type, String id, RunArgs args, Map<String, ResultPattern> results, Execution execution)
    implements Operation {

  public static final String TYPE = "container/run";
}
