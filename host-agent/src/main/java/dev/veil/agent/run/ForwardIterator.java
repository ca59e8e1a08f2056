package dev.veil.agent.run;

import java.util.Iterator;
import java.util.ListIterator;
import java.util.NoSuchElementException;
import java.util.function.Function;

/** The entries of one iterator, then those of another, converted: forward only. */
final class ForwardIterator<T, S> implements ListIterator<T> {

  private final Iterator<T> first;
  private final Iterator<S> then;
  private final Function<S, T> convert;
  private int index;

  ForwardIterator(Iterator<T> first, Iterator<S> then, Function<S, T> convert) {
    this.first = first;
    this.then = then;
    this.convert = convert;
  }

  @Override
  public boolean hasNext() {
    return first.hasNext() || then.hasNext();
  }

  @Override
  public T next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    index++;
    return first.hasNext() ? first.next() : convert.apply(then.next());
  }

  @Override
  public int nextIndex() {
    return index;
  }

  @Override
  public boolean hasPrevious() {
    return false;
  }

  @Override
  public T previous() {
    throw new UnsupportedOperationException("forward only");
  }

  @Override
  public int previousIndex() {
    return index - 1;
  }

  @Override
  public void remove() {
    throw new UnsupportedOperationException();
  }

  @Override
  public void set(T t) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void add(T t) {
    throw new UnsupportedOperationException();
  }
}
