package dev.veil.testsupport.fuzz;

import java.util.function.Function;

/** Makes one input from the choices of a {@link Pick}. */
@FunctionalInterface
public interface Gen<T> {

  T generate(Pick pick);

  default <R> Gen<R> map(Function<? super T, ? extends R> mapper) {
    return pick -> mapper.apply(generate(pick));
  }

  static <T> Gen<T> constant(T value) {
    return pick -> value;
  }
}
