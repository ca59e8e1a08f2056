package dev.veil.testsupport.fuzz;

import java.util.Iterator;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * A property checked for many generated inputs: each try draws one input from its own split of
 * the run's seed and checks it; the first input that breaks the property is simplified (smaller
 * inputs that still break it are preferred) and reported with the seed that replays the run.
 */
public final class ForAll<T> {

  /** At most this many extra checks are spent simplifying a failing input. */
  static final int SIMPLIFY_BUDGET = 200;

  private final Gen<T> inputs;
  private final Function<T, Stream<T>> simpler;

  private ForAll(Gen<T> inputs, Function<T, Stream<T>> simpler) {
    this.inputs = inputs;
    this.simpler = simpler;
  }

  public static <T> ForAll<T> inputs(Gen<T> inputs) {
    return new ForAll<>(inputs, input -> Stream.empty());
  }

  /** Simpler variants of an input, tried in order once it has broken the property. */
  public ForAll<T> simplifiedBy(Function<T, Stream<T>> simplerVariants) {
    return new ForAll<>(inputs, simplerVariants);
  }

  /** Runs {@code settings.tries()} tries; the report, or an {@link AssertionError} naming the input that broke it. */
  public FuzzReport check(String name, FuzzSettings settings, Property<T> property) {
    SplittableRandom seeds = new SplittableRandom(settings.seed());
    Map<String, Integer> outcomes = new TreeMap<>();
    long start = System.nanoTime();
    for (int attempt = 1; attempt <= settings.tries(); attempt++) {
      T input = inputs.generate(new Pick(seeds.split()));
      try {
        outcomes.merge(property.check(input), 1, Integer::sum);
      } catch (Exception | AssertionError failure) {
        throw falsified(name, settings, attempt, input, failure, property);
      }
    }
    FuzzReport report = new FuzzReport(name, settings.tries(), settings.seed(), (System.nanoTime() - start) / 1_000_000, outcomes);
    System.out.println(report);
    return report;
  }

  private AssertionError falsified(String name, FuzzSettings settings, int attempt, T input, Throwable failure,
      Property<T> property) {
    T simplest = input;
    Throwable simplestFailure = failure;
    int budget = SIMPLIFY_BUDGET;
    boolean progressed = true;
    while (progressed && budget > 0) {
      progressed = false;
      for (Iterator<T> candidates = simpler.apply(simplest).iterator(); candidates.hasNext() && budget > 0; budget--) {
        T candidate = candidates.next();
        try {
          property.check(candidate);
        } catch (Exception | AssertionError stillFails) {
          simplest = candidate;
          simplestFailure = stillFails;
          progressed = true;
          break;
        }
      }
    }
    AssertionError error = new AssertionError(name + " broken at try " + attempt + " of " + settings.tries()
        + " (replay the run with -D" + FuzzSettings.SEED + "=" + settings.seed() + ")\n"
        + "input: " + simplest + "\n"
        + "failure: " + simplestFailure.getMessage()
        + (simplest == input ? "" : "\nas first generated: " + input), simplestFailure);
    return error;
  }
}
