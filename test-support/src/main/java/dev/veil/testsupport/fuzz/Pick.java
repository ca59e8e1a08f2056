package dev.veil.testsupport.fuzz;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The random choices one generated input is made of. Every choice of a try comes from its own
 * seeded source, so a run replays exactly from the seed it reports.
 */
public final class Pick {

  private final SplittableRandom random;

  public Pick(SplittableRandom random) {
    this.random = random;
  }

  /** True about once in {@code n} times. */
  public boolean oneIn(int n) {
    return random.nextInt(n) == 0;
  }

  /** True with probability {@code percent}/100. */
  public boolean percent(int percent) {
    return random.nextInt(100) < percent;
  }

  /** An int in [{@code min}, {@code max}]. */
  public int between(int min, int max) {
    return min + random.nextInt(max - min + 1);
  }

  public long anyLong() {
    return random.nextLong();
  }

  @SafeVarargs
  public final <T> T element(T... choices) {
    return choices[random.nextInt(choices.length)];
  }

  public <T> T element(List<T> choices) {
    return choices.get(random.nextInt(choices.size()));
  }

  /** One of {@code generators}, chosen alike. */
  @SafeVarargs
  public final <T> T oneOf(Gen<? extends T>... generators) {
    return generators[random.nextInt(generators.length)].generate(this);
  }

  /** {@code length} characters drawn from {@code alphabet}. */
  public String string(String alphabet, int length) {
    StringBuilder out = new StringBuilder(length);
    int[] points = alphabet.codePoints().toArray();
    for (int i = 0; i < length; i++) {
      out.appendCodePoint(points[random.nextInt(points.length)]);
    }
    return out.toString();
  }

  public byte[] bytes(int length) {
    byte[] out = new byte[length];
    random.nextBytes(out);
    return out;
  }
}
