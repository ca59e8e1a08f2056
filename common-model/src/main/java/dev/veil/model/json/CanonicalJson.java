package dev.veil.model.json;

import dev.veil.model.id.Digests;
import dev.veil.model.job.JobDefinition;
import java.io.ByteArrayOutputStream;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;

/**
 * The canonical JSON form of a definition and its SHA-256, so a public template can commit to the
 * definition that will later be sent privately ({@code logistics.send.args.hash}).
 *
 * <p>Canonical form: the definition as Veil writes it (absent fields omitted, commands and
 * exposes in the form they were written), object keys sorted by UTF-16 code units, no whitespace,
 * UTF-8. Formatting, comments, trailing commas and key order of the source file do not change
 * the hash; any change of value does. This follows RFC 8785's key order and layout; numbers are
 * written by Jackson, which agrees with RFC 8785 for integers and ordinary decimals.
 */
public final class CanonicalJson {

  private CanonicalJson() {}

  /** The canonical bytes of {@code definition}. */
  public static byte[] bytes(JobDefinition definition) {
    return bytes(VeilJson.strict().valueToTree(definition));
  }

  /** The canonical bytes of any JSON tree. */
  public static byte[] bytes(JsonNode tree) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator gen = VeilJson.strict().createGenerator(out)) {
      write(tree, gen);
    }
    return out.toByteArray();
  }

  /** Lowercase hex SHA-256 of the canonical bytes of {@code definition}. */
  public static String sha256(JobDefinition definition) {
    return Digests.sha256Hex(bytes(definition));
  }

  private static void write(JsonNode node, JsonGenerator gen) {
    if (node.isObject()) {
      Map<String, JsonNode> sorted = new TreeMap<>();
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        sorted.put(e.getKey(), e.getValue());
      }
      gen.writeStartObject();
      for (Map.Entry<String, JsonNode> e : sorted.entrySet()) {
        gen.writeName(e.getKey());
        write(e.getValue(), gen);
      }
      gen.writeEndObject();
    } else if (node.isArray()) {
      gen.writeStartArray();
      for (JsonNode element : node) {
        write(element, gen);
      }
      gen.writeEndArray();
    } else {
      gen.writeTree(node);
    }
  }
}
