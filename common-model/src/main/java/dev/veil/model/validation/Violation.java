package dev.veil.model.validation;

/**
 * One thing wrong with a definition.
 *
 * @param path    JSON pointer of the offending value, e.g. {@code /ops/0/args/image}
 * @param message what is wrong, for a person
 */
public record Violation(String path, String message) {

  @Override
  public String toString() {
    return path + ": " + message;
  }
}
