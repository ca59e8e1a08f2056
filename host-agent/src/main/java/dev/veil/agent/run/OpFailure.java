package dev.veil.agent.run;

/**
 * An op that could not run, saying why twice: in full (the image, the engine's own words, which
 * may quote the command) for its owner, and plainly for a public result of a job whose definition
 * was sent privately, where the full words would publish part of that definition.
 */
final class OpFailure extends IllegalStateException {

  private final String plain;

  OpFailure(String full, String plain) {
    super(full);
    this.plain = plain;
  }

  /** Why, with nothing of the definition in it. */
  String plain() {
    return plain;
  }

  /** What the op's errors say: in full, or plainly where the definition must not be published. */
  static String describe(Throwable error, boolean withholdDefinition) {
    if (!withholdDefinition) {
      return JobExecutor.describe(error);
    }
    return error instanceof OpFailure failure ? failure.plain()
        : "the op failed before it ran (the reason is withheld from the public result: the definition is private)";
  }
}
