package dev.veil.model.job;

import java.util.Map;
import tools.jackson.databind.node.ObjectNode;

/**
 * An op whose {@code type} this build does not know (or that has none). It is kept verbatim so
 * that validation reports it by its ID and a definition is never silently changed.
 *
 * @param raw the op exactly as written
 */
public record UnknownOperation(ObjectNode raw) implements Operation {

  @Override
  public String type() {
    return raw.path("type").isString() ? raw.get("type").stringValue() : null;
  }

  @Override
  public String id() {
    return raw.path("id").isString() ? raw.get("id").stringValue() : null;
  }

  @Override
  public Map<String, ResultPattern> results() {
    return null;
  }

  @Override
  public Execution execution() {
    return null;
  }
}
