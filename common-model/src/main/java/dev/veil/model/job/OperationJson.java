package dev.veil.model.job;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.node.ObjectNode;

/** Reads an op by its {@code type}; unknown types become {@link UnknownOperation}. */
final class OperationJson {

  private OperationJson() {}

  static final class Reader extends ValueDeserializer<Operation> {
    @Override
    public Operation deserialize(JsonParser p, DeserializationContext ctxt) throws JacksonException {
      JsonNode node = ctxt.readTree(p);
      if (!(node instanceof ObjectNode op)) {
        return ctxt.reportInputMismatch(Operation.class, "an op must be a JSON object");
      }
      JsonNode type = op.get("type");
      String name = type != null && type.isString() ? type.stringValue() : null;
      if (RunOperation.TYPE.equals(name)) {
        return ctxt.readTreeAsValue(op, RunOperation.class);
      }
      if (CreateVolumeOperation.TYPE.equals(name)) {
        return ctxt.readTreeAsValue(op, CreateVolumeOperation.class);
      }
      return new UnknownOperation(op);
    }
  }

  static final class Writer extends ValueSerializer<Operation> {
    @Override
    public void serialize(Operation value, JsonGenerator gen, SerializationContext ctxt) throws JacksonException {
      if (value instanceof UnknownOperation unknown) {
        gen.writeTree(unknown.raw());
      } else {
        // The concrete record's own bean serializer, not this one again.
        ctxt.findValueSerializer(value.getClass()).serialize(value, gen, ctxt);
      }
    }
  }
}
