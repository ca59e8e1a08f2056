package dev.veil.testsupport.fuzz;

/** What must hold for every input: throws when it does not, else names the outcome for the run's statistics. */
@FunctionalInterface
public interface Property<T> {

  String check(T input) throws Exception;
}
