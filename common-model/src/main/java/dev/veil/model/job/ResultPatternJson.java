package dev.veil.model.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.ValueSerializer;

/** {@link ResultPattern} as JSON: a string, or an object with {@code regex} and {@code logType}. */
final class ResultPatternJson {

  private ResultPatternJson() {}

  /** The object form on the wire. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record ObjectForm(String regex, @JsonProperty("logType") List<String> logType) {}

  static final class Reader extends ValueDeserializer<ResultPattern> {
    @Override
    public ResultPattern deserialize(JsonParser p, DeserializationContext ctxt) throws JacksonException {
      if (p.currentToken() == JsonToken.VALUE_STRING) {
        return new ResultPattern.Regex(p.getString());
      }
      if (p.currentToken() == JsonToken.START_OBJECT) {
        ObjectForm form = ctxt.readValue(p, ObjectForm.class);
        return new ResultPattern.Filtered(form.regex(), form.logType());
      }
      return ctxt.reportInputMismatch(
          ResultPattern.class, "a result must be a regex string or {\"regex\": ..., \"logType\": [...]}");
    }
  }

  static final class Writer extends ValueSerializer<ResultPattern> {
    @Override
    public void serialize(ResultPattern value, JsonGenerator gen, SerializationContext ctxt) throws JacksonException {
      if (value instanceof ResultPattern.Filtered filtered) {
        ctxt.writeValue(gen, new ObjectForm(filtered.regex(), filtered.logTypes()));
      } else {
        gen.writeString(value.regex());
      }
    }
  }
}
