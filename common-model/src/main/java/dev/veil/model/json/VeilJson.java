package dev.veil.model.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.veil.model.job.JobDefinition;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.core.json.JsonReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Veil's JSON dialect, in its two strengths.
 *
 * <ul>
 *   <li><b>Strict</b>, for every HTTP API: standard JSON, no duplicate keys, no unknown fields,
 *       no coercion of {@code "80"} to {@code 80} or {@code "true"} to {@code true}. A typo such
 *       as {@code "privat": true} must fail loudly, not silently publish a URL.</li>
 *   <li><b>Lenient</b>, for job files people write and paste: the same, but {@code //} and
 *       {@code /* *}{@code /} comments and trailing commas are allowed.</li>
 * </ul>
 *
 * Absent values stay absent when written ({@code NON_NULL}); properties keep declaration order.
 */
public final class VeilJson {

  private static final JsonMapper STRICT = configure(JsonMapper.builder()).build();
  private static final JsonMapper LENIENT = configure(JsonMapper.builder())
      .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS, JsonReadFeature.ALLOW_TRAILING_COMMA)
      .build();

  private VeilJson() {}

  /**
   * Applies the strict dialect to a builder, e.g. Spring Boot's auto-configured one through a
   * {@code JsonMapperBuilderCustomizer}, so services and this module read JSON alike.
   */
  public static JsonMapper.Builder configure(JsonMapper.Builder builder) {
    return builder
        .disable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .changeDefaultPropertyInclusion(incl -> incl.withValueInclusion(JsonInclude.Include.NON_NULL));
  }

  /** The strict mapper, for HTTP bodies. */
  public static JsonMapper strict() {
    return STRICT;
  }

  /** The lenient mapper, for job files. */
  public static JsonMapper lenient() {
    return LENIENT;
  }

  /** Reads strict JSON (an HTTP body) as {@code type}. */
  public static <T> T readStrict(byte[] body, Class<T> type) {
    try {
      return STRICT.readValue(body, type);
    } catch (JacksonException e) {
      throw malformed(e);
    }
  }

  /** Reads a job file leniently (comments and trailing commas allowed). */
  public static JobDefinition readJobFile(String text) {
    try {
      return LENIENT.readValue(text, JobDefinition.class);
    } catch (JacksonException e) {
      throw malformed(e);
    }
  }

  /** Reads a job file from disk leniently. */
  public static JobDefinition readJobFile(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return readJobFile(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /** Writes compact JSON in the strict dialect. */
  public static byte[] write(Object value) {
    return STRICT.writeValueAsBytes(value);
  }

  /** Turns Jackson's exception into one that says where the document broke, without echoing it. */
  public static MalformedJsonException malformed(JacksonException e) {
    StringBuilder pointer = new StringBuilder();
    for (JacksonException.Reference ref : e.getPath()) {
      pointer.append('/');
      if (ref.getPropertyName() != null) {
        pointer.append(ref.getPropertyName().replace("~", "~0").replace("/", "~1"));
      } else if (ref.getIndex() >= 0) {
        pointer.append(ref.getIndex());
      }
    }
    TokenStreamLocation at = e.getLocation();
    int line = at == null ? -1 : at.getLineNr();
    int column = at == null ? -1 : at.getColumnNr();
    String message = e instanceof StreamReadException ? "not valid JSON: " + firstLine(e) : firstLine(e);
    return new MalformedJsonException(message, pointer.toString(), line, column);
  }

  // Jackson's message can quote input (a token, a value); keep its first sentence and cut quotes long enough to leak.
  private static String firstLine(JacksonException e) {
    String message = e.getOriginalMessage();
    if (message == null) {
      return "malformed JSON";
    }
    int newline = message.indexOf('\n');
    String first = newline < 0 ? message : message.substring(0, newline);
    return first.length() > 200 ? first.substring(0, 200) + "..." : first;
  }
}
