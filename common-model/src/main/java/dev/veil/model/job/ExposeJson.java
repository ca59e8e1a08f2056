package dev.veil.model.job;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.ValueSerializer;

/** {@link Expose} as JSON, in each of its forms. Port bounds are checked by validation, not here. */
final class ExposeJson {

  private static final Pattern RANGE = Pattern.compile("(\\d{1,5})(?:-(\\d{1,5}))?");
  private static final String SHAPE =
      "expose must be a port number, a range string like \"8000-8010\", or a list of port numbers "
          + "and {port, type, health_checks} objects";

  private ExposeJson() {}

  static final class Reader extends ValueDeserializer<Expose> {
    @Override
    public Expose deserialize(JsonParser p, DeserializationContext ctxt) throws JacksonException {
      switch (p.currentToken()) {
        case VALUE_NUMBER_INT:
          return new Expose.Single(port(p, ctxt));
        case VALUE_STRING:
          Matcher m = RANGE.matcher(p.getString().trim());
          if (!m.matches()) {
            return ctxt.reportInputMismatch(Expose.class, SHAPE);
          }
          int from = Integer.parseInt(m.group(1));
          return new Expose.Range(from, m.group(2) == null ? from : Integer.parseInt(m.group(2)));
        case START_ARRAY:
          List<ExposedPort> ports = new ArrayList<>();
          for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t == JsonToken.VALUE_NUMBER_INT) {
              ports.add(ExposedPort.of(port(p, ctxt)));
            } else if (t == JsonToken.START_OBJECT) {
              ports.add(ctxt.readValue(p, ExposedPort.class));
            } else {
              return ctxt.reportInputMismatch(Expose.class, SHAPE);
            }
          }
          return new Expose.Ports(ports);
        default:
          return ctxt.reportInputMismatch(Expose.class, SHAPE);
      }
    }

    private static int port(JsonParser p, DeserializationContext ctxt) throws JacksonException {
      if (p.getNumberType() != JsonParser.NumberType.INT) {
        ctxt.reportInputMismatch(Expose.class, "port " + p.getString() + " is out of range");
      }
      return p.getIntValue();
    }
  }

  static final class Writer extends ValueSerializer<Expose> {
    @Override
    public void serialize(Expose value, JsonGenerator gen, SerializationContext ctxt) throws JacksonException {
      if (value instanceof Expose.Single single) {
        gen.writeNumber(single.port());
      } else if (value instanceof Expose.Range range) {
        gen.writeString(range.from() == range.to() ? Integer.toString(range.from()) : range.from() + "-" + range.to());
      } else {
        gen.writeStartArray();
        for (ExposedPort port : value.ports()) {
          if (port.isBare()) {
            gen.writeNumber(port.port());
          } else {
            ctxt.writeValue(gen, port);
          }
        }
        gen.writeEndArray();
      }
    }
  }
}
