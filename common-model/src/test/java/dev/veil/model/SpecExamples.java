package dev.veil.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The wire-contract examples, from the repository's {@code spec/} folder (a copy of shared/spec). */
public final class SpecExamples {

  /** {@code spec/} at the repository root; tests run with the module folder as working directory. */
  public static final Path DIR = Path.of("..", "spec").toAbsolutePath().normalize();

  private SpecExamples() {}

  public static String read(String name) {
    try {
      return Files.readString(DIR.resolve(name), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
