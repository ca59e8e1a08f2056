package dev.veil.model.job;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.ValueSerializer;

/** {@link Command} as JSON: a string or an array of strings. */
final class CommandJson {

  private CommandJson() {}

  static final class Reader extends ValueDeserializer<Command> {
    @Override
    public Command deserialize(JsonParser p, DeserializationContext ctxt) throws JacksonException {
      if (p.currentToken() == JsonToken.VALUE_STRING) {
        return new Command.Shell(p.getString());
      }
      if (p.currentToken() == JsonToken.START_ARRAY) {
        List<String> args = new ArrayList<>();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
          if (t != JsonToken.VALUE_STRING) {
            return ctxt.reportInputMismatch(Command.class, "every element of a command array must be a string");
          }
          args.add(p.getString());
        }
        return new Command.Exec(args);
      }
      return ctxt.reportInputMismatch(Command.class, "a command must be a string or an array of strings");
    }
  }

  static final class Writer extends ValueSerializer<Command> {
    @Override
    public void serialize(Command value, JsonGenerator gen, SerializationContext ctxt) throws JacksonException {
      if (value instanceof Command.Shell shell) {
        gen.writeString(shell.line());
      } else {
        gen.writeStartArray();
        for (String arg : value.argv()) {
          gen.writeString(arg);
        }
        gen.writeEndArray();
      }
    }
  }
}
