package dev.veil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The training run ./veil makes the class archive with: real commands, real requests, nothing left behind. */
class ClassArchiveTrainingTest {

  @Test
  void runsTheCommandsAgainstItsStandInAndRemovesItsKeys() throws IOException {
    long seedFiles;
    try (Stream<Path> files = Files.list(Path.of("..", "spec"))) {
      seedFiles = files.filter(file -> file.toString().endsWith(".json")).count();
    }

    ClassArchiveTraining.Run run = ClassArchiveTraining.train(Path.of("..", "spec"));

    // Help, a usage error with its usage text, then status, status --json, result, urls, session
    // create, and one post per seed file.
    assertThat(run.exitCodes()).hasSize(7 + (int) seedFiles);
    assertThat(run.exitCodes().subList(0, 2)).containsExactly(ExitCodes.OK, ExitCodes.USAGE);
    // Every command that goes out reaches the stand-in, which knows nothing: 404, "not found".
    assertThat(run.exitCodes().subList(2, 4)).containsOnly(ExitCodes.NOT_FOUND);
    // The seed's five job files are read, validated and posted (the stand-in refuses the session);
    // its other files are not job files (5, invalid) and send nothing.
    long posted = run.exitCodes().subList(7, run.exitCodes().size()).stream().filter(code -> code == ExitCodes.NOT_FOUND).count();
    assertThat(posted).isEqualTo(5);
    assertThat(run.exitCodes().subList(7, run.exitCodes().size())).containsOnly(ExitCodes.NOT_FOUND, ExitCodes.INVALID);
    assertThat(run.requests()).isGreaterThanOrEqualTo(5 + (int) posted);
  }
}
