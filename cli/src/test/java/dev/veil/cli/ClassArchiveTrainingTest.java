package dev.veil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The training run ./veil makes the class archive with: it runs through and leaves nothing behind. */
class ClassArchiveTrainingTest {

  private static long trainingHomes() throws IOException {
    try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return files.filter(path -> path.getFileName().toString().startsWith("veil-cli-training-")).count();
    }
  }

  @Test
  void runsEveryCommandOnTheSeedFilesAndRemovesItsKeys() throws IOException {
    long before = trainingHomes();

    ClassArchiveTraining.main(new String[] {Path.of("..", "spec").toString()});

    assertThat(trainingHomes()).isEqualTo(before);
  }
}
